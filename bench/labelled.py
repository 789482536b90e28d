"""Load labelled utterances (CSV, TSV, JSONL, Rasa NLU YAML) and label mapping files."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.metrics import Example

TEXT_COLUMNS = ("text", "utterance", "sentence", "query", "message")
LABEL_COLUMNS = ("intent", "label", "category", "class")
# [visible text](entity) or [visible text]{"entity": ...} → visible text
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class DatasetError(ValueError):
    """The data or mapping file cannot be used; the message says why."""


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str


def strip_entities(text: str) -> str:
    return _ENTITY.sub(r"\1", text)


def load_labelled(
    path: Path, text_column: str | None = None, label_column: str | None = None
) -> list[LabelledText]:
    """Read (text, intent) rows from a CSV/TSV/JSONL file or a Rasa NLU YAML file."""
    if not path.is_file():
        raise DatasetError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        rows = _load_rasa_yaml(path)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _load_jsonl(path, text_column, label_column)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows = _load_delimited(path, "\t" if suffix == ".tsv" else None, text_column, label_column)
    else:
        raise DatasetError(f"{path}: unknown format {suffix!r} (use .csv, .tsv, .jsonl or .yml)")
    rows = [r for r in rows if r.text.strip()]
    if not rows:
        raise DatasetError(f"{path}: no labelled examples found")
    return rows


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str) -> str:
    lowered = {c.strip().lower(): c for c in columns}
    if wanted:
        if wanted in columns:
            return wanted
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
        raise DatasetError(f"no {what} column {wanted!r}; columns are {columns}")
    for name in candidates:
        if name in lowered:
            return lowered[name]
    raise DatasetError(f"no {what} column (looked for {', '.join(candidates)}); got {columns}")


def _load_delimited(
    path: Path, delimiter: str | None, text_column: str | None, label_column: str | None
) -> list[LabelledText]:
    content = path.read_text(encoding="utf-8-sig")
    if not content.strip():
        return []
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(content[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = list(csv.reader(content.splitlines(), delimiter=delimiter))
    header = [h.strip() for h in reader[0]]
    lowered = {h.lower() for h in header}
    has_header = bool(text_column or label_column) or bool(
        lowered & set(TEXT_COLUMNS) and lowered & set(LABEL_COLUMNS)
    )
    if not has_header:
        # headerless: first column text, second column label
        return [LabelledText(row[0].strip(), row[1].strip()) for row in reader if len(row) >= 2]
    text_key = _pick(header, text_column, TEXT_COLUMNS, "text")
    label_key = _pick(header, label_column, LABEL_COLUMNS, "intent")
    ti, li = header.index(text_key), header.index(label_key)
    out = []
    for number, row in enumerate(reader[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(ti, li):
            raise DatasetError(f"{path}:{number}: expected at least {max(ti, li) + 1} columns")
        out.append(LabelledText(row[ti].strip(), row[li].strip()))
    return out


def _load_jsonl(
    path: Path, text_column: str | None, label_column: str | None
) -> list[LabelledText]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DatasetError(f"{path}:{number}: expected an object per line")
        keys = [str(k) for k in record]
        text_key = _pick(keys, text_column, TEXT_COLUMNS, "text")
        label_key = _pick(keys, label_column, LABEL_COLUMNS, "intent")
        out.append(LabelledText(str(record[text_key]).strip(), str(record[label_key]).strip()))
    return out


def _load_rasa_yaml(path: Path) -> list[LabelledText]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("nlu"), list):
        raise DatasetError(f"{path}: not Rasa NLU data (no top-level 'nlu' list)")
    out: list[LabelledText] = []
    for block in document["nlu"]:
        if not isinstance(block, dict) or "intent" not in block:
            continue  # synonyms, regexes, lookups
        intent = str(block["intent"])
        examples = block.get("examples", "")
        if isinstance(examples, str):
            lines = [ln.strip() for ln in examples.splitlines()]
            texts = [ln[1:].strip() for ln in lines if ln.startswith("-")]
        elif isinstance(examples, list):
            texts = [str(e.get("text", "")) if isinstance(e, dict) else str(e) for e in examples]
        else:
            texts = []
        out.extend(LabelledText(strip_entities(t), intent) for t in texts if t)
    return out


def load_mapping(path: Path) -> dict[str, tuple[str, ...]]:
    """Read a mapping from external labels to one or more of our intents.

    YAML/JSON: ``{external: intent}`` or ``{external: [intent, ...]}``; an empty list or
    null means "not covered by the assistant" and those examples are skipped.
    CSV/TSV: ``external,intent[,intent...]`` per row (a header row ``label,intent`` is skipped).
    """
    if not path.is_file():
        raise DatasetError(f"no such mapping file: {path}")
    suffix = path.suffix.lower()
    raw: Any
    if suffix in (".yml", ".yaml", ".json"):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DatasetError(f"{path}: invalid YAML/JSON ({exc})") from None
        if not isinstance(raw, Mapping):
            raise DatasetError(f"{path}: expected a mapping of external label → intent(s)")
    elif suffix in (".csv", ".tsv"):
        delimiter = "\t" if suffix == ".tsv" else ","
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        rows = list(csv.reader(lines, delimiter=delimiter))
        header = [c.strip().lower() for c in rows[0][:2]] if rows else []
        if header in (["label", "intent"], ["external", "intent"]):
            rows = rows[1:]
        raw = {row[0].strip(): [c.strip() for c in row[1:] if c.strip()] for row in rows if row}
    else:
        raise DatasetError(f"{path}: unknown mapping format {suffix!r} (use .yml, .json, .csv)")
    mapping: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if value is None:
            mapping[str(key)] = ()
        elif isinstance(value, str):
            mapping[str(key)] = (value,)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            mapping[str(key)] = tuple(value)
        else:
            raise DatasetError(f"{path}: label {key!r} must map to an intent or a list of intents")
    return mapping


def to_examples(
    rows: list[LabelledText], mapping: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[list[Example], dict[str, int]]:
    """Apply the mapping; return examples and the count of skipped rows per unmapped label.

    Without a mapping every label is used as is. With one, labels mapped to nothing are skipped
    (reported), and labels missing from the mapping are an error: a silent gap would inflate
    the scores.
    """
    examples: list[Example] = []
    skipped: dict[str, int] = {}
    missing = sorted({r.label for r in rows} - set(mapping)) if mapping is not None else []
    if missing:
        raise DatasetError(f"labels missing from the mapping file: {', '.join(missing)}")
    for row in rows:
        if mapping is None:
            examples.append(Example(row.text, (row.label,), row.label))
            continue
        targets = mapping[row.label]
        if not targets:
            skipped[row.label] = skipped.get(row.label, 0) + 1
            continue
        examples.append(Example(row.text, targets, row.label))
    return examples, skipped
