"""The fault benchmark's reading of replies: what counts as an answer and as the human queue."""

from __future__ import annotations

import time

from bench import faults


def _system(seq: int, event: str) -> dict[str, object]:
    return {"seq": seq, "role": "system", "text": event, "custom": {"event": event}}


async def test_still_checking_is_a_first_answer_but_not_the_answer() -> None:
    customer = faults.Customer("c", "t")
    sent = faults.Sent("c", "m1", "hello", time.monotonic(), seq=1)
    await faults._see(sent, [_system(2, "still_checking")], customer)
    assert sent.first_answer_s is not None and sent.answer_s is None and not customer.queued
    await faults._see(sent, [_system(2, "still_checking"), _system(3, "bot_unavailable")], customer)
    assert sent.answer_s is not None and sent.queue_s is not None and customer.queued


async def test_replies_to_a_later_message_do_not_count() -> None:
    customer = faults.Customer("c", "t")
    sent = faults.Sent("c", "m1", "hello", time.monotonic(), seq=1)
    later = [
        {"seq": 2, "role": "customer", "text": "again", "custom": None},
        {"seq": 3, "role": "bot", "text": "Hi!", "custom": None},
    ]
    await faults._see(sent, later, customer)
    assert sent.first_answer_s is None and sent.answer_s is None
    await faults._see(sent, [{"seq": 1, "role": "bot", "text": "old", "custom": None}], customer)
    assert sent.answer_s is None  # not after the message


def test_every_issue_scenario_is_there() -> None:
    names = {s.name for s in faults.SCENARIOS}
    assert {
        "kill_handoff",
        "kill_rasa",
        "kill_actions",
        "kill_order_api",
        "hung_rasa",
        "hung_actions",
        "slow_order_api",
        "failing_order_api",
    } == names
