"""Issue 13: no 5xx from bad input; bad WebSocket frames get an error frame, the socket lives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.support.handoff_service import Service, auth, frame, recv_until, ws_connect

JSON = {"content-type": "application/json"}


def _raw(data: Any) -> bytes:
    return json.dumps(data).encode()  # ensure_ascii: "\ud800" travels as a JSON escape


async def _assert_refused(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"code", "message"}
    if code is not None:
        assert body["code"] == code


async def test_lone_surrogates_in_bodies_are_400(service: Service) -> None:
    conv = await service.conversation()
    url = f"/api/conversations/{conv['conversation_id']}/messages"
    headers = {**auth(conv["token"]), **JSON}
    for body in (
        {"client_message_id": "a", "text": "\ud800"},
        {"client_message_id": "\ud800", "text": "hi"},
        {"client_message_id": "b", "text": "hi", "\udfff": 1},
    ):
        await _assert_refused(
            await service.http.post(url, headers=headers, content=_raw(body)), 400, "bad_request"
        )
    for path, body in (
        ("/api/conversations", {"customer_token": "\ud800.x"}),
        ("/api/auth/login", {"email": "\ud800@x.example", "password": "\ud800" * 9}),
    ):
        await _assert_refused(
            await service.http.post(path, headers=JSON, content=_raw(body)), 400, "bad_request"
        )
    admin = await service.user("root@x.example", role="admin")
    body = {"email": "n@x.example", "name": "\ud800", "role": "agent", "password": "x" * 9}
    r = await service.http.post(
        "/api/users", headers={**auth(admin["token"]), **JSON}, content=_raw(body)
    )
    await _assert_refused(r, 400, "bad_request")


@pytest.mark.parametrize(
    "suffix", [".%C3%A9", ".%ED%A0%80", ".%FF", "%00", "." + "A" * 5000], ids=str.__len__
)
async def test_malformed_conversation_tokens_are_401(service: Service, suffix: str) -> None:
    conv = await service.conversation()
    cid = conv["conversation_id"]
    r = await service.http.get(f"/api/conversations/{cid}?token={cid}{suffix}")
    await _assert_refused(r, 401)


async def test_undecodable_headers_and_cookies_are_4xx(service: Service) -> None:
    conv = await service.conversation()
    cid = conv["conversation_id"]
    for headers in (
        {"cookie": b"handoff_session=\xff"},
        {"authorization": b"Bearer \xff"},
        {"authorization": "Bearer é".encode()},
        {"accept-language": b"\xff"},
    ):
        r = await service.http.get("/api/auth/me", headers=headers)
        assert 400 <= r.status_code < 500, (headers, r.text)
        r = await service.http.get(f"/api/conversations/{cid}", headers=headers)
        assert 400 <= r.status_code < 500, (headers, r.text)
    r = await service.http.post("/api/conversations", json={}, headers={"accept-language": b"\xff"})
    await _assert_refused(r, 400, "bad_request")


async def test_long_or_odd_static_paths_are_404(service: Service) -> None:
    for path in ("/static/" + "a" * 5000, "/static/" + "a/" * 3000, "/static/%00x"):
        await _assert_refused(await service.http.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "raw", [b"[" * 50000, b'{"a":' + b"[" * 50000, b"\xff", b"1e999999", b'{"a": 1'], ids=len
)
async def test_malformed_json_bodies_are_400(service: Service, raw: bytes) -> None:
    for path in ("/api/conversations", "/api/auth/login"):
        r = await service.http.post(path, headers=JSON, content=raw)
        await _assert_refused(r, 400, "bad_request")


BAD_FRAMES: list[str | bytes] = [  # bad on either socket
    b"\xff\xfe",
    "[" * 50000,
    '{"type": "message"',
    "null",
    '"text"',
    "[]",
    json.dumps({"type": ["x"]}),
    json.dumps({"type": "nope"}),
    json.dumps({"\ud800": 1}),
]
BAD_CUSTOMER_FRAMES = [
    *BAD_FRAMES,
    json.dumps({"type": "message", "client_message_id": "z", "text": "\ud800"}),
    json.dumps({"type": "message", "client_message_id": "\ud800", "text": "x"}),
    json.dumps({"type": "message", "client_message_id": "a\x00", "text": "x"}),
    json.dumps({"type": "message", "client_message_id": "z", "text": 5}),
    json.dumps({"type": "typing", "typing": "\ud800"}),
]
BAD_AGENT_FRAMES = [
    *BAD_FRAMES,
    json.dumps({"type": "message", "handoff_id": 10**30, "text": "x"}),
    json.dumps({"type": "message", "handoff_id": True, "text": "x"}),
    json.dumps({"type": "typing", "handoff_id": -1}),
    json.dumps({"type": "message", "handoff_id": 1, "text": "\ud800"}),
    json.dumps({"type": "message", "handoff_id": "1", "text": "x"}),
]


async def assert_error_then_usable(ws: Any, bad: str | bytes) -> dict[str, Any]:
    """The bad frame gets an error frame (not an internal one), then a ping still gets a pong."""
    await ws.send(bad)
    error = await recv_until(ws, lambda f: f["type"] == "error", timeout=5)
    assert error["code"] != "internal_error", (bad, error)
    assert error["message"]
    await ws.send(frame("ping"))
    await recv_until(ws, lambda f: f["type"] == "pong", timeout=5)
    return error


async def test_bad_customer_frames_get_an_error_and_the_socket_stays_usable(
    service: Service,
) -> None:
    conv = await service.conversation()
    url = f"{service.ws_url}/ws/conversations/{conv['conversation_id']}?token={conv['token']}"
    async with ws_connect(url) as ws:
        await recv_until(ws, lambda f: f["type"] == "hello")
        for bad in BAD_CUSTOMER_FRAMES:
            await assert_error_then_usable(ws, bad)
        await ws.send(frame("message", client_message_id="ok-1", text="hello"))
        ack = await recv_until(ws, lambda f: f["type"] == "ack")
        assert ack["message"]["text"] == "hello"


async def test_bad_agent_frames_get_an_error_and_the_socket_stays_usable(
    service: Service,
) -> None:
    admin = await service.user("boss@x.example", role="admin")
    headers = {"Authorization": f"Bearer {admin['token']}"}
    async with connect(f"{service.ws_url}/ws/agent", additional_headers=headers) as ws:
        await recv_until(ws, lambda f: f["type"] == "hello")
        for bad in BAD_AGENT_FRAMES:
            await assert_error_then_usable(ws, bad)
