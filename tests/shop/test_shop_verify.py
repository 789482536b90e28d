"""Verification by email or postcode, and the lockout after 5 failures."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.shop_testkit import running_server

URL = "/v1/orders/EF-100003/verify"


async def test_email_match_is_case_insensitive_and_trimmed(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"email": "  ALICE@Example.com "})
    assert response.status_code == 200
    assert response.json() == {"verified": True, "customer_id": "C0001"}


async def test_postcode_match_ignores_spaces_and_case(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/orders/EF-100008/verify", json={"postcode": " 045 24 "})
    assert response.status_code == 200
    assert response.json()["customer_id"] == "C0002"


async def test_wrong_details_count_down(client: httpx.AsyncClient) -> None:
    lefts = []
    for _ in range(5):
        response = await client.post(URL, json={"email": "mallory@example.com"})
        assert response.status_code == 422
        assert response.json()["code"] == "verification_failed"
        lefts.append(response.json()["attempts_left"])
    assert lefts == [4, 3, 2, 1, 0]


async def test_lockout_after_five_failures_even_with_right_email(
    client: httpx.AsyncClient, clock: Any
) -> None:
    for _ in range(5):
        await client.post(URL, json={"postcode": "99999"})
    locked = await client.post(URL, json={"email": "alice@example.com"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "verification_locked"
    assert locked.json()["retry_after_seconds"] == 900
    # Other orders are not affected.
    other = await client.post("/v1/orders/EF-100001/verify", json={"email": "alice@example.com"})
    assert other.status_code == 200
    clock.advance(minutes=14, seconds=59)
    still = await client.post(URL, json={"email": "alice@example.com"})
    assert still.status_code == 429 and still.json()["retry_after_seconds"] == 1
    clock.advance(seconds=1)
    unlocked = await client.post(URL, json={"email": "alice@example.com"})
    assert unlocked.status_code == 200


async def test_success_resets_the_counter(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.post(URL, json={"email": "x@example.com"})
    assert (await client.post(URL, json={"email": "alice@example.com"})).status_code == 200
    failed = await client.post(URL, json={"email": "x@example.com"})
    assert failed.json()["attempts_left"] == 4


async def test_lockout_survives_restart(
    settings: Any, clock: Any, client: httpx.AsyncClient
) -> None:
    for _ in range(5):
        await client.post(URL, json={"email": "x@example.com"})
    async with running_server(settings, clock) as other:
        async with httpx.AsyncClient(base_url=other.url, headers=client.headers) as http:
            locked = await http.post(URL, json={"email": "alice@example.com"})
    assert locked.status_code == 429


async def test_verify_needs_email_or_postcode(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={})
    assert response.status_code == 400
    assert "email" in response.json()["message"]
    wrong_type = await client.post(URL, json={"email": 42})
    assert wrong_type.status_code == 400 and "email" in wrong_type.json()["message"]
    missing = await client.post("/v1/orders/EF-000000/verify", json={"email": "a@b.c"})
    assert missing.status_code == 404


async def test_both_fields_must_match(client: httpx.AsyncClient) -> None:
    both = await client.post(URL, json={"email": "alice@example.com", "postcode": "10115"})
    assert both.status_code == 200
    half = await client.post(URL, json={"email": "alice@example.com", "postcode": "00000"})
    assert half.status_code == 422
