"""The English detector the simulator runs over replies to Korean customers."""

from __future__ import annotations

from bench.english import english_fragments, scan_report
from bench.sim_model import PRODUCT_NAMES


def test_fragments_and_exceptions() -> None:
    assert english_fragments("최근 상태: Parcel handed to carrier. 도착 예정일: soon") == [
        "Parcel handed to carrier",
        "soon",
    ]
    assert english_fragments("CJ Logistics 운송장 EF-100001, https://x.example/a b@c.de") == []
    assert english_fragments("반품: Canvas tote bag, Steel bottle 0.75 l", PRODUCT_NAMES) == []


def test_scan_report_only_looks_at_korean_scenarios() -> None:
    report = {
        "scenarios": [
            {"scenario": "ko-a", "transcript": [{"bot": ["주문이 배송 중이에요.", "on its way"]}]},
            {"scenario": "en-b", "transcript": [{"bot": ["Your order is on its way."]}]},
        ]
    }
    assert scan_report(report, {"ko-a"}) == ["ko-a: on its way"]
