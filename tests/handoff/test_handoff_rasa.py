"""The central scenario against the real assistant: Rasa server + action server + order API,
with the trained model (models/current.tar.gz). Marker `rasa`; skipped with a reason when the
model or the Rasa environment is missing."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher import free_port
from tests.support.handoff_service import Service, auth

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TOKEN = "integration-rasa-token"
ORDER_KEY = "integration-order-key"

pytestmark = pytest.mark.rasa


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float, name: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not become ready at {url}")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (run `make train`)")
    if not RASA.exists():
        pytest.skip(f"no Rasa environment at {RASA} (run `make install-assistant`)")
    tmp = tmp_path_factory.mktemp("assistant")
    shop_port, action_port, rasa_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SHOP_PORT": str(shop_port),
        "SHOP_API_KEY": ORDER_KEY,
        "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'shop.db'}",
        "ORDER_API_URL": f"http://127.0.0.1:{shop_port}",
        "ORDER_API_KEY": ORDER_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    logs = {name: open(tmp / f"{name}.log", "wb") for name in ("shop", "actions", "rasa")}
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT
        )
        procs.append(proc)
        return proc

    try:
        shop = start("shop", [str(ROOT / ".venv" / "bin" / "python"), "-m", "shop"])
        actions = start(
            "actions",
            [str(RASA), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        )
        rasa = start(
            "rasa",
            [
                str(RASA),
                "run",
                "--enable-api",
                "--auth-token",
                TOKEN,
                "-i",
                "127.0.0.1",
                "-p",
                str(rasa_port),
                "--model",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
            ],
        )
        _wait(f"http://127.0.0.1:{shop_port}/v1/health", shop, 30, "shop")
        _wait(f"http://127.0.0.1:{action_port}/health", actions, 90, "action server")
        _wait(f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}", rasa, 180, "rasa")
        yield f"http://127.0.0.1:{rasa_port}"
    except RuntimeError as exc:
        tails = {n: (tmp / f"{n}.log").read_text(errors="replace")[-2000:] for n in logs}
        raise AssertionError(f"{exc}\n{tails}") from exc
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for f in logs.values():
            f.close()


ASKS_ORDER = re.compile(r"order number", re.I)
ASKS_EMAIL = re.compile(r"e-?mail address", re.I)


def _assert_agent_sees_the_failed_cancellation(ctx: dict[str, Any]) -> None:
    assert ctx["tracker_available"] is True
    assert ctx["slots"]["order_number"] == "EF-100010"
    assert ctx["slots"]["email"] == "minji@example.com"
    assert ctx["identity"]["verified"] is True and ctx["identity"]["customer_id"] == "C0002"
    assert ctx["task"]["task"] == "cancel_order" and ctx["task"]["status"] == "failure"
    assert ctx["task"]["code"] == "already_shipped"
    assert any(o["order_number"] == "EF-100010" and o["status"] == "shipped" for o in ctx["orders"])
    assert "EF-100010" in [t["text"] for t in ctx["transcript"] if t["role"] == "customer"]


def _assert_handed_back_once_and_nothing_asked_twice(
    history: dict[str, Any], agent_seq: int
) -> None:
    after = [m for m in history["messages"] if m["seq"] > agent_seq]
    bot_after = " ".join(m["text"] or "" for m in after if m["role"] == "bot")
    assert "Return to sender arranged" in bot_after, after
    assert "anything else" in bot_after.lower(), after
    # The customer is told first (handed_back), and is not queued again.
    system = [m["custom"]["event"] for m in after if m["role"] == "system"]
    assert system == ["handed_back"], after
    # The note is said once, by the bot; the system notice doesn't repeat it.
    assert after[0]["role"] == "system" and "Return to sender arranged" not in after[0]["text"]
    bot_texts = [m["text"] or "" for m in history["messages"] if m["role"] == "bot"]
    assert sum(bool(ASKS_ORDER.search(t)) and "?" in t for t in bot_texts) <= 1
    assert sum(bool(ASKS_EMAIL.search(t)) for t in bot_texts) <= 1


async def test_real_assistant_handoff_round_trip(assistant: str, service_factory) -> None:  # type: ignore[no-untyped-def]
    service: Service = await service_factory(rasa_url=assistant, rasa_token=TOKEN, rasa_timeout=30)
    agent = await service.user("sam@shop.example")
    await service.http.put(
        "/api/agent/status", headers=auth(agent["token"]), json={"available": True}
    )
    conv = await service.conversation(language="en")
    cid, token = conv["conversation_id"], conv["token"]
    n = 0

    async def say(text: str) -> list[dict[str, Any]]:
        nonlocal n
        n += 1
        r = await service.http.post(
            f"/api/conversations/{cid}/messages",
            headers=auth(token),
            json={"client_message_id": f"m{n}", "text": text},
        )
        assert r.status_code == 201, r.text
        return list(r.json()["replies"])

    replies = await say("I want to cancel my order")
    refused = False
    for _ in range(6):  # answer what the bot asks, nothing more
        texts = " ".join(m["text"] or "" for m in replies)
        buttons = [b["payload"] for m in replies for b in (m["buttons"] or [])]
        if "shipped" in texts.lower() and ("cancel" in texts.lower() or "can't" in texts.lower()):
            refused = True
            break
        if ASKS_ORDER.search(texts):
            replies = await say("EF-100010")
        elif ASKS_EMAIL.search(texts):
            replies = await say("minji@example.com")
        elif "/affirm" in buttons:
            replies = await say("/affirm")
        else:
            raise AssertionError(f"unexpected bot turn: {replies}")
    assert refused, replies
    replies = await say("I want to talk to a human")
    if not any(m["role"] == "system" for m in replies):
        replies = await say("/request_human")
    assert any(m["role"] == "system" and "queue" in (m["text"] or "") for m in replies), replies

    queue = (await service.http.get("/api/queue", headers=auth(agent["token"]))).json()
    hid = queue["handoffs"][0]["id"]
    detail = (
        await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(agent["token"]))
    ).json()
    _assert_agent_sees_the_failed_cancellation(detail["context"])

    r = await service.http.post(
        f"/api/handoffs/{hid}/messages",
        headers=auth(agent["token"]),
        json={"text": "I've arranged a return to sender; refund when it's back."},
    )
    assert r.status_code == 201
    agent_seq = r.json()["message"]["seq"]
    r = await service.http.post(
        f"/api/handoffs/{hid}/handback",
        headers=auth(agent["token"]),
        json={"note": "Return to sender arranged, refund on arrival."},
    )
    assert r.status_code == 200, r.text
    history = (
        await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(token))
    ).json()
    _assert_handed_back_once_and_nothing_asked_twice(history, agent_seq)
    replies = await say("No, that's all, thanks")
    assert all(m["role"] == "bot" for m in replies)
