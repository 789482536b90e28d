"""Find English in a reply to a Korean customer (no dependencies: used by the simulator and by
the catalogue tests in both Python environments).

What may stay Latin in a Korean reply: order numbers, e-mail addresses, URLs, carrier names,
invoice/label references, tracking numbers, amounts, brand names (capitalised: Visa, PayPal,
Apple Pay) and the shop's product names (``allowed``). Anything else written in Latin letters
that contains a lower-case word (``Parcel handed to carrier``, ``a delay``, ``soon``,
``return requested``) is English the customer may not read, and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

CARRIERS = ("CJ Logistics", "CJ대한통운", "DHL", "UPS", "DPD", "GLS", "Hermes", "FedEx")
_EXCEPTIONS = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # URLs, e-mails
    r"|\b(?:EF|INV|RMA|RET|LBL)[\s-]?[\w-]*\d[\w-]*"  # order, invoice, label references
    r"|\{[a-z_]+\}",  # unfilled placeholders of a catalogue text
    re.IGNORECASE,
)
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’.-]*(?:[ \t]+[A-Za-z][A-Za-z'’.-]*)*")
_LOWER_WORD = re.compile(r"^[a-z][a-z'’-]+$")


def english_fragments(text: str | None, allowed: Iterable[str] = ()) -> list[str]:
    """The English fragments in `text` (empty: nothing a Korean reader would have to translate)."""
    cleaned = _EXCEPTIONS.sub(" ", text or "")
    for phrase in sorted({*CARRIERS, *allowed}, key=len, reverse=True):
        if phrase:
            cleaned = cleaned.replace(phrase, " ")
    found = []
    for run in _LATIN_RUN.findall(cleaned):
        words = [w.strip(".'’-") for w in run.split()]
        if any(_LOWER_WORD.match(w) for w in words if len(w) >= 2):
            found.append(run.strip().strip(".'’-"))
    return found


def scan_report(report: dict[str, Any], korean: set[str], allowed: Iterable[str] = ()) -> list[str]:
    """English fragments in the bot replies of a simulator report's Korean scenarios."""
    found = []
    for scenario in report.get("scenarios") or []:
        if scenario.get("scenario") not in korean:
            continue
        for turn in scenario.get("transcript") or []:
            for reply in turn.get("bot") or []:
                found += [f"{scenario['scenario']}: {f}" for f in english_fragments(reply, allowed)]
    return found


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.english [REPORT.json]`: scan a simulator report (default:
    bench/results/simulate-latest.json) for English in replies to Korean customers; exit 1 if
    any is found."""
    import json
    import sys
    from pathlib import Path

    from bench.report import RESULTS
    from bench.scenarios import load_all
    from bench.sim_model import PRODUCT_NAMES

    args = sys.argv[1:] if argv is None else argv
    paths = [Path(args[0]) if args else RESULTS / "simulate-latest.json"]
    if not paths[0].exists():
        print("english: no simulator report in bench/results", file=sys.stderr)
        return 2
    report = json.loads(paths[0].read_text(encoding="utf-8"))
    korean = {s.name for s in load_all() if s.language == "ko"}
    ran = [s for s in report.get("scenarios", []) if s.get("scenario") in korean]
    found = scan_report(report, korean, PRODUCT_NAMES)
    replies = sum(len(t.get("bot") or []) for s in ran for t in s.get("transcript") or [])
    print(
        f"english: {paths[0].name}: {len(ran)} Korean scenarios, {replies} replies scanned, "
        f"{len(found)} English fragments"
    )
    for line in found:
        print(f"  {line}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
