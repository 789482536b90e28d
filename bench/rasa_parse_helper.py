"""Parse texts with a trained Rasa model; runs under .venv-rasa (Python 3.10, Rasa 3.6).

Usage: .venv-rasa/bin/python -I bench/rasa_parse_helper.py MODEL.tar.gz < texts.jsonl

Reads one JSON object ``{"text": ...}`` per stdin line, writes one JSON object per line to
stdout with the parse result's ``intent`` and ``response_selector`` (everything the evaluation
needs). Standard library + Rasa only: it is started as a plain script, not as part of `bench`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

# Run with `python -I` (bench/ must not shadow anything): the model's custom components
# (`components.*`, config.yml) are imported from the repository root, which is not installed.
ROOT = Path(__file__).resolve().parents[1]


async def main(model: str) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    if not agent.is_ready():
        print(f"model {model} could not be loaded", file=sys.stderr)
        return 2
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        text = json.loads(line)["text"]
        parsed = await agent.parse_message(text)
        record = {
            "text": text,
            "intent": parsed.get("intent") or {},
            "intent_ranking": parsed.get("intent_ranking") or [],
            "response_selector": parsed.get("response_selector") or {},
        }
        out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(asyncio.run(main(sys.argv[1])))
