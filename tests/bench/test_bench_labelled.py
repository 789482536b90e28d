"""Loading labelled data (CSV, TSV, JSONL, Rasa NLU YAML) and mapping files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.labelled import DatasetError, load_labelled, load_mapping, to_examples


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_csv_with_header_and_quoted_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", 'label,text\nstatus,"where is it, please"\ncancel,stop it\n')
    rows = load_labelled(path)
    assert [(r.text, r.label) for r in rows] == [
        ("where is it, please", "status"),
        ("stop it", "cancel"),
    ]


def test_headerless_tsv_is_text_then_label(tmp_path: Path) -> None:
    rows = load_labelled(write(tmp_path, "d.tsv", "hello there\tgreet\nbye\tgoodbye\n"))
    assert [(r.text, r.label) for r in rows] == [("hello there", "greet"), ("bye", "goodbye")]


def test_named_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "utt,cat,x\nhi,greet,1\n")
    rows = load_labelled(path, text_column="utt", label_column="cat")
    assert (rows[0].text, rows[0].label) == ("hi", "greet")
    with pytest.raises(DatasetError, match="no text column 'nope'"):
        load_labelled(path, text_column="nope", label_column="cat")


def test_jsonl(tmp_path: Path) -> None:
    path = write(
        tmp_path, "d.jsonl", '{"text": "hi", "intent": "greet"}\n\n{"text": "x", "label": "y"}\n'
    )
    assert [(r.text, r.label) for r in load_labelled(path)] == [("hi", "greet"), ("x", "y")]
    bad = write(tmp_path, "bad.jsonl", "{not json}\n")
    with pytest.raises(DatasetError, match=r"bad\.jsonl:1: not JSON"):
        load_labelled(bad)


def test_rasa_yaml_strips_entity_annotations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nlu.yml",
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        "    - where is [EF-100001](order_number)\n"
        '    - status of [EF-100002]{"entity": "order_number"} please\n'
        "- synonym: x\n  examples: |\n    - y\n",
    )
    rows = load_labelled(path)
    assert [(r.text, r.label) for r in rows] == [
        ("where is EF-100001", "order_status"),
        ("status of EF-100002 please", "order_status"),
    ]


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown format"):
        load_labelled(write(tmp_path, "d.xml", "<x/>"))
    with pytest.raises(DatasetError, match="no such file"):
        load_labelled(tmp_path / "missing.csv")


def test_mapping_yaml_single_multiple_and_uncovered(tmp_path: Path) -> None:
    mapping = load_mapping(
        write(
            tmp_path,
            "m.yml",
            "shipping: [order_status, delivery_time]\ncancel: cancel_order\nweather:\n",
        )
    )
    assert mapping == {
        "shipping": ("order_status", "delivery_time"),
        "cancel": ("cancel_order",),
        "weather": (),
    }
    rows = load_labelled(write(tmp_path, "d.csv", "text,label\na,shipping\nb,weather\nc,cancel\n"))
    examples, skipped = to_examples(rows, mapping)
    assert [e.gold for e in examples] == [("order_status", "delivery_time"), ("cancel_order",)]
    assert examples[0].source_label == "shipping"
    assert skipped == {"weather": 1}


def test_mapping_csv_and_missing_labels_are_an_error(tmp_path: Path) -> None:
    mapping = load_mapping(
        write(tmp_path, "m.csv", "label,intent\nship,order_status,delivery_time\n")
    )
    assert mapping == {"ship": ("order_status", "delivery_time")}
    rows = load_labelled(write(tmp_path, "d.csv", "text,label\na,ship\nb,other\n"))
    with pytest.raises(DatasetError, match="missing from the mapping file: other"):
        to_examples(rows, mapping)
    with pytest.raises(DatasetError, match="must map to an intent"):
        load_mapping(write(tmp_path, "bad.yml", "x: {a: 1}\n"))


def test_shipped_sample_maps_onto_intents_the_assistant_knows() -> None:
    root = Path(__file__).resolve().parents[2]
    data = root / "bench" / "data"
    rows = load_labelled(data / "customer_support_sample.csv")
    mapping = load_mapping(data / "customer_support_mapping.yml")
    examples, skipped = to_examples(rows, mapping)
    assert len(examples) >= 50
    assert skipped == {"PRICE_MATCH": 1}
    known = {
        row.label
        for path in (root / "data" / "nlu").glob("*.yml")
        if "intent:" in path.read_text(encoding="utf-8")
        for row in load_labelled(path)
    }
    if not known:
        pytest.skip("no NLU training data yet")
    assert {i for ex in examples for i in ex.gold} <= known
