"""Korean customers: Korean addresses in the address form, Korean replies without English (order
states, tracking events, dates, buttons), and the language slot following each message."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import ActionAskOrderNumber, ActionAskReturnItems, ActionAskReturnReason
from actions.clients.orders import OrderClient
from actions.forms import (
    ValidateOrderLookupForm,
)
from actions.parsing import match_items, parse_address
from actions.session import ActionSetLanguage
from actions.tasks import ActionExecuteTask, ActionRunTask
from bench.english import english_fragments
from tests.support.action_testkit import make_tracker, slot_events, texts

# EF-100102: a paid order of the seeded Korean customer C0005 (address still changeable).
KIM = {"customer_id": "C0005", "verified": True, "language": "ko"}
MINJI = {"customer_id": "C0002", "verified": True, "language": "ko"}
ALICE_KO = {"customer_id": "C0001", "verified": True, "language": "ko"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PRODUCTS = [  # the demo shop's product names (shop/seed.py): data, not sentences
    "Organic T-shirt (M)", "Organic T-shirt (L)", "Recycled hoodie (M)", "Wool socks, 3 pairs",
    "Steel bottle 0.75 l", "Stoneware mug", "Canvas tote bag", "Cotton cap", "Rain jacket (M)",
    "Merino scarf",
]  # fmt: skip
TEHERAN = {
    "street": "테헤란로 123",
    "postcode": "06234",
    "city": "서울특별시 강남구",
    "country": "KR",
}


def no_english(dispatcher: CollectingDispatcher) -> None:
    for message in dispatcher.messages:
        for said in [message.get("text"), *(b.get("title") for b in message.get("buttons") or [])]:
            assert english_fragments(str(said or ""), PRODUCTS) == [], message
            assert not ISO_DATE.search(str(said or "")), f"an ISO date in a Korean reply: {said}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("서울특별시 강남구 테헤란로 123, 06234", TEHERAN),
        ("06234 서울특별시 강남구 테헤란로 123", TEHERAN),
        ("우편번호 06234 서울특별시 강남구 테헤란로 123", TEHERAN),
        ("서울특별시 강남구 테헤란로 123 (우편번호: 06234)", TEHERAN),
        ("서울특별시  강남구 테헤란로 123 06234", TEHERAN),
        ("우편번호는 06234이고 주소는 서울특별시 강남구 테헤란로 123", TEHERAN),
        (
            "[04524] 서울 중구 세종대로 110, 3층",
            {
                "street": "세종대로 110, 3층",
                "postcode": "04524",
                "city": "서울 중구",
                "country": "KR",
            },
        ),
        (
            "부산광역시 해운대구 센텀중앙로 79 48058",
            {
                "street": "센텀중앙로 79",
                "postcode": "48058",
                "city": "부산광역시 해운대구",
                "country": "KR",
            },
        ),
        # the Latin form keeps working
        (
            "Hauptstr. 5, 10115 Berlin",
            {"street": "Hauptstr. 5", "postcode": "10115", "city": "Berlin", "country": "DE"},
        ),
    ],
)
def test_korean_addresses_postcode_first_or_last(typed: str, expected: dict[str, str]) -> None:
    assert parse_address(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "서울특별시 강남구 테헤란로 123",  # no postcode
        "테헤란로 123, 06234",  # no city
        "서울 강남구 테헤란로 123 06234 03000",  # two postcodes: which one?
        "서울 강남구 어딘가 06234",  # no road and building number
    ],
)
def test_incomplete_korean_addresses_are_not_guessed(typed: str) -> None:
    assert parse_address(typed) is None


async def validate_address(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, typed: str
) -> dict[str, Any]:
    snapshot = {"order_number": "EF-100102", "can_change_address": True}
    tracker = make_tracker(
        domain,
        active_loop="order_lookup_form",
        slots={
            **KIM,
            "pending_task": "change_address",
            "order_number": "EF-100102",
            "order_snapshot": snapshot,
            "requested_slot": "new_address",
        },
        candidates={"new_address": typed},
    )
    return slot_events(await ValidateOrderLookupForm().run(dispatcher, tracker, domain))


async def test_address_form_takes_a_korean_address(domain, dispatcher, client) -> None:
    slots = await validate_address(domain, dispatcher, "06234 서울특별시 강남구 테헤란로 123")
    assert slots["new_address"] == TEHERAN and slots["requested_slot"] is None


async def test_address_form_explains_a_korean_address_in_korean(domain, dispatcher, client) -> None:
    slots = await validate_address(domain, dispatcher, "서울특별시 강남구 테헤란로 123")
    assert slots["new_address"] is None and slots["lookup_attempts"] == 1.0
    assert "우편번호" in texts(dispatcher) and "테헤란로 123, 06234" in texts(dispatcher)
    no_english(dispatcher)


async def test_korean_address_change_is_confirmed_back_in_korean(
    domain, dispatcher, client: OrderClient
) -> None:
    values = {**KIM, "pending_task": "change_address", "order_number": "EF-100102"}
    tracker = make_tracker(domain, slots={**values, "new_address": TEHERAN})
    slots = slot_events(await ActionRunTask().run(dispatcher, tracker, domain))
    assert slots["pending_question"] == "confirm"
    assert "(06234) 서울특별시 강남구 테헤란로 123" in texts(dispatcher)
    tracker = make_tracker(domain, intent="affirm", slots={**values, "new_address": TEHERAN})
    done = slot_events(await ActionExecuteTask().run(dispatcher, tracker, domain))
    assert done["task_result"]["status"] == "success"
    order = await client.get_order("EF-100102")
    assert order.shipping_address["street"] == "테헤란로 123"
    assert order.shipping_address["postcode"] == "06234"
    assert order.shipping_address["country"] == "KR"
    said = dispatcher.messages[-1]["text"]
    assert "배송지가 변경되었어요" in said and "년" in said and "월" in said  # 2026년 12월 4일
    no_english(dispatcher)


@pytest.mark.parametrize(
    ("number", "task", "customer", "korean"),
    [
        ("EF-100010", "order_status", MINJI, "택배사에 인계됨"),  # not "Parcel handed to carrier"
        ("EF-100001", "order_status", ALICE_KO, "최근 상태: 배송 중. 도착 예정일: 20"),
        ("EF-100004", "order_status", ALICE_KO, "지역 물류 거점의 택배사 지연"),
        ("EF-100003", "order_status", ALICE_KO, "일에 배송 완료되었어요"),
        ("EF-100006", "order_status", ALICE_KO, "환불 상태: 진행 중"),
        ("EF-100011", "order_status", MINJI, "반품 접수됨"),
        ("EF-100007", "refund_status", MINJI, "PayPal"),
        ("EF-100006", "refund_status", ALICE_KO, "카드"),
        ("EF-100009", "get_invoice", MINJI, "결제가 확인되면"),
        ("EF-100010", "cancel_order", MINJI, "이미 발송"),
        ("EF-100005", "return_item", ALICE_KO, "반품 기간"),
    ],
)
async def test_korean_replies_contain_no_english(
    domain, dispatcher, client, number: str, task: str, customer: dict[str, Any], korean: str
) -> None:
    tracker = make_tracker(domain, slots={**customer, "pending_task": task, "order_number": number})
    await ActionRunTask().run(dispatcher, tracker, domain)
    assert korean in texts(dispatcher)
    no_english(dispatcher)


async def test_korean_buttons(domain, dispatcher, client: OrderClient) -> None:
    order = await client.get_order("EF-100012")
    tracker = make_tracker(domain, slots={**MINJI, "order_snapshot": order.to_json()})
    await ActionAskReturnItems().run(dispatcher, tracker, domain)
    await ActionAskReturnReason().run(dispatcher, tracker, domain)
    await ActionAskOrderNumber().run(dispatcher, tracker, domain)
    items, reasons, orders = (m["buttons"] for m in dispatcher.messages)
    assert items[-1] == {"title": "전부", "payload": '/inform{"item":"all"}'}
    assert reasons[0]["title"] == "사이즈가 안 맞아요"
    assert reasons[0]["payload"] == '/inform{"reason":"does not fit"}'  # same payload as English
    assert any("배송 완료" in b["title"] for b in orders)
    no_english(dispatcher)


def tracker_with_metadata(domain: dict[str, Any], language: str, metadata: Any) -> Tracker:
    tracker = make_tracker(domain, slots={"language": language}, text="…")
    tracker.latest_message["metadata"] = metadata
    return tracker


async def test_language_slot_follows_each_message(domain, dispatcher) -> None:
    action = ActionSetLanguage()
    switch = await action.run(
        dispatcher, tracker_with_metadata(domain, "en", {"language": "ko"}), domain
    )
    assert slot_events(switch) == {"language": "ko"}
    assert (
        await action.run(
            dispatcher, tracker_with_metadata(domain, "ko", {"language": "ko"}), domain
        )
        == []
    )
    assert (
        await action.run(
            dispatcher, tracker_with_metadata(domain, "ko", {"language": "fr"}), domain
        )
        == []
    )
    assert await action.run(dispatcher, tracker_with_metadata(domain, "ko", None), domain) == []
    assert dispatcher.messages == []


def test_korean_product_words_match_the_shop_s_items() -> None:
    items = [
        {"sku": "SKU-HOODIE-M", "name": "Recycled hoodie (M)", "quantity": 1},
        {"sku": "SKU-MUG", "name": "Stoneware mug", "quantity": 2},
    ]
    assert [i["sku"] for i in match_items("후드티요", items)] == ["SKU-HOODIE-M"]
    assert [i["sku"] for i in match_items("머그컵 두 개", items)] == ["SKU-MUG"]
    assert len(match_items("둘 다", items)) == 2
    assert match_items("소파", items) == []
