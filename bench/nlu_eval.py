"""Evaluate the assistant's NLU on a labelled data set.

    python -m bench.nlu_eval DATA [DATA ...] [--mapping MAP] [--model models/current.tar.gz]
    python -m bench.nlu_eval DATA --rasa-url http://127.0.0.1:5005 --token demo-rasa-token

DATA: CSV/TSV (header with text + intent/label columns, or headerless text,label), JSONL
(``{"text", "intent"}``) or Rasa NLU YAML (tests/nlu/*.yml). MAP: external label → one or more of
our intents (see bench/labelled.py). Prints accuracy, macro-F1, per-intent precision/recall/F1,
top confusions, fallback rate and the misses; writes a JSON report to bench/results/.

With ``--model`` the texts are parsed by a helper started under .venv-rasa (Rasa needs Python
3.10); with ``--rasa-url`` by a running Rasa server's ``/model/parse``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.labelled import DatasetError, load_labelled, load_mapping, to_examples
from bench.metrics import ClassificationReport, Prediction, evaluate, threshold_curve
from bench.report import ROOT, cli_parser, log_to_stderr, print_table, write_report

log = logging.getLogger(__name__)

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
HELPER = Path(__file__).resolve().parent / "rasa_parse_helper.py"
DEFAULT_MODEL = ROOT / "models" / "current.tar.gz"
CURVE = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
AMBIGUITY_THRESHOLD = 0.05  # config.yml FallbackClassifier ambiguity_threshold


def predicted_intent(parsed: dict[str, Any]) -> Prediction:
    """Intent of a Rasa parse result; retrieval intents by full name (``faq/shipping``)."""
    intent = parsed.get("intent") or {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    selector = parsed.get("response_selector") or {}
    if name and "/" not in name and name in (selector.get("all_retrieval_intents") or []):
        chosen = selector.get(name) or selector.get("default") or {}
        key = (chosen.get("response") or {}).get("intent_response_key")
        if key:
            name = str(key)
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in parsed.get("intent_ranking") or []
        if r.get("name") and r.get("name") != "nlu_fallback"
    )
    return Prediction(name or "<none>", confidence, ranking)


def check_model(model: Path) -> None:
    if not model.exists():
        raise DatasetError(f"model not found: {model} (run `make train`)")
    if not RASA_PYTHON.exists():
        raise DatasetError(f"{RASA_PYTHON} not found (run `make install`)")


async def parse_with_model(texts: Sequence[str], model: Path) -> list[Prediction]:
    """Parse texts with a model file via the .venv-rasa helper process (see check_model)."""
    payload = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    proc = await asyncio.create_subprocess_exec(
        str(RASA_PYTHON),
        "-I",
        str(HELPER),
        str(model),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    stdout, stderr = await proc.communicate(payload.encode())
    if proc.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-15:]
        raise RuntimeError("Rasa parse helper failed:\n" + "\n".join(tail))
    lines = [ln for ln in stdout.decode().splitlines() if ln.startswith("{")]
    if len(lines) != len(texts):
        raise RuntimeError(f"helper returned {len(lines)} results for {len(texts)} texts")
    return [predicted_intent(json.loads(line)) for line in lines]


async def parse_with_server(
    texts: Sequence[str], url: str, token: str | None, concurrency: int = 4
) -> list[Prediction]:
    """Parse texts with a running Rasa server (``POST /model/parse``)."""
    params = {"token": token} if token else {}
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url.rstrip("/"), timeout=30) as client:

        async def one(text: str) -> Prediction:
            async with limit:
                response = await client.post("/model/parse", params=params, json={"text": text})
            if response.status_code != 200:
                raise RuntimeError(
                    f"/model/parse returned {response.status_code}: {response.text[:200]}"
                )
            return predicted_intent(response.json())

        return list(await asyncio.gather(*(one(t) for t in texts)))


async def run(
    data: Sequence[Path],
    *,
    mapping: Path | None = None,
    model: Path | None = None,
    rasa_url: str | None = None,
    token: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    curve: Sequence[float] = (),
    keep_misses: bool = True,
) -> tuple[ClassificationReport, dict[str, Any]]:
    """Load, parse, score. Returns the report and the JSON-ready result."""
    rows = [row for path in data for row in load_labelled(path, text_column, label_column)]
    examples, skipped = to_examples(rows, load_mapping(mapping) if mapping else None)
    if not examples:
        raise DatasetError("no examples left after applying the mapping")
    texts = [ex.text for ex in examples]
    started = time.perf_counter()
    if rasa_url:
        predictions = await parse_with_server(texts, rasa_url, token)
        backend = {"rasa_url": rasa_url}
    else:
        path = model or DEFAULT_MODEL
        check_model(path)
        predictions = await parse_with_model(texts, path)
        backend = {"model": str(path.resolve())}
    elapsed = time.perf_counter() - started
    report = evaluate(examples, predictions)
    result = {
        "data": [str(p) for p in data],
        "mapping": str(mapping) if mapping else None,
        **backend,
        "skipped_unmapped": skipped,
        "parse_seconds": round(elapsed, 2),
        **report.as_dict(),
    }
    if curve:
        result["threshold_curve"] = threshold_curve(
            examples,
            predictions,
            curve,
            ambiguity=AMBIGUITY_THRESHOLD,
            accept=frozenset({"out_of_scope"}),
        )
    if not keep_misses:  # a blind set: its lines must not be read while tuning
        result["misses"] = []
        report.misses.clear()
    return report, result


def print_curve(curve: Sequence[dict[str, float]]) -> None:
    print("\nfallback threshold curve (accuracy counts out_of_scope→fallback as right):")
    print_table(
        ["threshold", "accuracy", "fallback rate"],
        [[c["threshold"], f"{c['accuracy']:.3f}", f"{c['fallback_rate']:.3f}"] for c in curve],
    )


def print_report(report: ClassificationReport, misses: int = 20) -> None:
    print(
        f"\nNLU: {report.total} examples, accuracy {report.accuracy:.3f}, "
        f"macro-F1 {report.macro_f1:.3f}, fallback rate {report.fallback_rate:.3f}"
    )
    rows = [
        [s.intent, s.support, s.predicted, f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}"]
        for s in sorted(report.per_intent.values(), key=lambda s: (s.f1, s.intent))
    ]
    print_table(["intent", "support", "predicted", "precision", "recall", "F1"], rows)
    confusions = report.top_confusions(10)
    if confusions:
        print("\ntop confusions (gold → predicted):")
        for c in confusions:
            print(f"  {c['count']:>3}  {c['gold']} → {c['predicted']}")
    if report.misses and misses:
        print(f"\nmisses (first {min(misses, len(report.misses))} of {len(report.misses)}):")
        for miss in report.misses[:misses]:
            print(
                f"  {miss['text']!r}: expected {'/'.join(miss['gold'])}, "
                f"got {miss['predicted']} ({miss['confidence']:.2f})"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli_parser("python -m bench.nlu_eval", __doc__)
    parser.add_argument("data", nargs="+", type=Path, help="labelled CSV/TSV/JSONL/Rasa YAML")
    parser.add_argument("--mapping", type=Path, help="external label → intent(s) file")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", type=Path, help=f"model file (default {DEFAULT_MODEL})")
    source.add_argument("--rasa-url", help="running Rasa server, e.g. http://127.0.0.1:5005")
    parser.add_argument("--token", default=os.environ.get("RASA_TOKEN"), help="Rasa API token")
    parser.add_argument("--text-column")
    parser.add_argument("--label-column")
    parser.add_argument("--misses", type=int, default=20, help="misses to print (all in JSON)")
    parser.add_argument("--name", default="nlu", help="report name prefix")
    parser.add_argument(
        "--blind",
        action="store_true",
        help="a blind set: print and keep only aggregate figures, no misses (their lines must "
        "not be read while tuning)",
    )
    parser.add_argument(
        "--curve", action="store_true", help=f"accuracy/fallback at thresholds {CURVE}"
    )
    args = parser.parse_args(argv)
    log_to_stderr()
    try:
        report, result = asyncio.run(
            run(
                args.data,
                mapping=args.mapping,
                model=args.model,
                rasa_url=args.rasa_url,
                token=args.token,
                text_column=args.text_column,
                label_column=args.label_column,
                curve=CURVE if args.curve else (),
                keep_misses=not args.blind,
            )
        )
    except (DatasetError, RuntimeError, httpx.HTTPError) as exc:
        print(f"nlu_eval: {exc}", file=sys.stderr)
        return 2
    print_report(report, 0 if args.blind else args.misses)
    if "threshold_curve" in result:
        print_curve(result["threshold_curve"])
    path = write_report(args.name, result)
    print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
