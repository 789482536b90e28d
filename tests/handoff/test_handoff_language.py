"""Language per message: detected by the gateway, sent to Rasa, shown to agents, routed."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.language import detect
from tests.support.handoff_service import Service, auth, post_message


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("배송 언제 와요?", "en", "ko"),
        ("where is my parcel?", "ko", "en"),
        ("주문 EF-100001 배송조회", "en", "ko"),  # Korean and English mixed as people type it
        ("EF-100001 status 알려줘", "en", "ko"),
        ("환불 refund 언제 돼요", "en", "ko"),
        ("ㅇㅋ", "en", "ko"),
        ("thanks", "ko", "en"),
        # language-neutral: keep the previous language
        ("EF-100001", "ko", "ko"),
        ("ef100001", "en", "en"),
        ("minji@example.com", "ko", "ko"),
        ("04524", "ko", "ko"),
        ("ok", "ko", "ko"),
        ("DHL?", "ko", "ko"),
        ("👍", "ko", "ko"),
        ('/ces{"ces_score": 6}', "ko", "ko"),
        ("/affirm", "ko", "ko"),
        ("https://shop.example/orders/EF-100001", "ko", "ko"),
        ("", "ko", "ko"),
    ],
)
def test_detect(text: str, previous: str, expected: str) -> None:
    assert detect(text, previous=previous) == expected


async def _post(service: Service, conv: dict[str, Any], n: int, text: str) -> dict[str, Any]:
    return await post_message(service, conv, f"m{n}", text)


async def _language(service: Service, conv: dict[str, Any]) -> str:
    r = await service.http.get(
        f"/api/conversations/{conv['conversation_id']}", headers=auth(conv["token"])
    )
    return str(r.json()["language"])


async def test_each_message_goes_to_rasa_with_its_language(service: Service) -> None:
    conv = await service.conversation(language="en")  # the page is English
    await _post(service, conv, 1, "주문 배송 조회하고 싶어요")
    assert service.fake.received[-1]["metadata"]["language"] == "ko"
    assert await _language(service, conv) == "ko"
    await _post(service, conv, 2, "EF-100010")  # neutral: stays Korean
    assert service.fake.received[-1]["metadata"]["language"] == "ko"
    await _post(service, conv, 3, "actually, where is my parcel?")
    assert service.fake.received[-1]["metadata"]["language"] == "en"
    assert await _language(service, conv) == "en"


async def test_handoff_context_queue_and_notices_follow_the_customer_language(
    service: Service,
) -> None:
    en_agent = await service.user("en@shop.example", languages=["en"])
    ko_agent = await service.user("ko@shop.example", languages=["ko"])
    conv = await service.conversation(language="en")
    reply = await _post(service, conv, 1, "상담원(human) 연결해 주세요")
    notices = [m for m in reply["replies"] if m["role"] == "system"]
    assert notices and all("상담원" in m["text"] for m in notices)  # Korean, not the page's
    ko_queue = (await service.http.get("/api/queue", headers=auth(ko_agent["token"]))).json()
    en_queue = (await service.http.get("/api/queue", headers=auth(en_agent["token"]))).json()
    assert [h["conversation_id"] for h in ko_queue["handoffs"]] == [conv["conversation_id"]]
    assert en_queue["handoffs"] == []
    handoff = ko_queue["handoffs"][0]
    assert handoff["language"] == "ko"
    detail = (
        await service.http.get(f"/api/handoffs/{handoff['id']}", headers=auth(ko_agent["token"]))
    ).json()
    assert detail["context"]["language"] == "ko"
    assert detail["context"]["transcript"][0]["language"] == "ko"

    # Still waiting, the customer switches to English: the queue routes it to English agents.
    await _post(service, conv, 2, "sorry, can someone who speaks English help me?")
    en_queue = (await service.http.get("/api/queue", headers=auth(en_agent["token"]))).json()
    assert [h["language"] for h in en_queue["handoffs"]] == ["en"]
