"""Capacity: how many concurrent customers a profile holds with bot-reply p95 ≤ 1 s, and the
throughput of two Rasa servers against one.

    .venv/bin/python -m bench.prod.capacity --profile production --steps 10 20 40
    .venv/bin/python -m bench.prod.capacity --profile demo --steps 10 20 40
    .venv/bin/python -m bench.prod.capacity --profile production --rasa-paths --messages 1000

Customers (`--steps`: how many at once) talk to the handoff service over REST with 5–10 s of
thinking between messages, in a realistic mix: order status signed in (40 %), order status as a
guest with the e-mail check (30 %), a shipping question (20 %), asking for a person (10 %; they
leave once queued). Each starts a new conversation when theirs ends. The bot-reply latency is
the time from `POST …/messages` to its response, which carries the bot's replies (or, when the
bot took longer than the "still checking" notice, `pending: true`: then until the reply is in
`GET …/messages`, polled every 0.1 s). Each step
runs `--seconds` after a 10 s ramp; the profile holds a step when its p95 is at most 1 s.

`--rasa-paths` (production profile): the same five-message conversations sent straight to
Rasa's REST channel, in alternating 20 s blocks on two paths in one run — `one` (rasa-1's own
port) and `two` (HAProxy over rasa-1 and rasa-2) — with `--concurrency` clients each, no
thinking, until each path has `--messages`; throughput (messages/s) and p95 per path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import time
import uuid
from typing import Any

import httpx

from bench.client import is_still_checking
from bench.report import write_report
from handoff.security import demo_customer_token as customer_token

log = logging.getLogger("bench.prod.capacity")

MIX = [
    (0.4, "C0001", ["hi", "where is my order EF-100001?", "thanks", "no, that's all"]),
    (0.3, None, ["hello", "Where is my order?", "EF-100001", "alice@example.com", "thanks"]),
    (0.2, None, ["how long does shipping take?", "thanks, bye"]),
    (0.1, None, ["I want to talk to a human"]),
]
RASA_SCRIPT = ["hello", "Where is my order?", "EF-100001", "thanks", "bye"]


def summary(values: list[float], seconds: float) -> dict[str, Any]:
    if len(values) < 2:
        return {"count": len(values)}
    q = statistics.quantiles(values, n=100)
    return {
        "count": len(values),
        "p50_ms": round(q[49] * 1000),
        "p95_ms": round(q[94] * 1000),
        "throughput_per_s": round(len(values) / seconds, 2) if seconds else None,
    }


def _pick() -> tuple[str | None, list[str]]:
    roll, acc = random.random(), 0.0
    for share, who, lines in MIX:
        acc += share
        if roll <= acc:
            return who, lines
    return MIX[0][1], MIX[0][2]


async def _customer(
    http: httpx.AsyncClient, secret: str, until: float, record: list[float], errors: list[str]
) -> None:
    await asyncio.sleep(random.uniform(0, 10))  # ramp
    while time.monotonic() < until:
        who, lines = _pick()
        body: dict[str, Any] = {"language": "en"}
        if who:
            body["customer_token"] = customer_token(secret, who)
        try:
            created = (await http.post("/api/conversations", json=body)).json()
            auth = {"Authorization": f"Bearer {created['token']}"}
            path = f"/api/conversations/{created['conversation_id']}/messages"
            for text in lines:
                started = time.monotonic()
                response = await http.post(
                    path, json={"client_message_id": uuid.uuid4().hex, "text": text}, headers=auth
                )
                if response.status_code != 201 and response.status_code != 200:
                    errors.append(f"{response.status_code}")
                    break
                data = response.json()
                replies = data.get("replies") or []
                if data.get("pending"):  # "still checking": the reply follows in the history
                    replies = await _follow(http, path, auth, int(data["message"]["seq"]))
                record.append(time.monotonic() - started)
                if any(
                    (m.get("custom") or {}).get("event") in ("queued", "bot_unavailable")
                    for m in replies
                ):
                    break  # with a person now: this customer's bot part is over
                await asyncio.sleep(random.uniform(5, 10))
                if time.monotonic() > until:
                    return
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            errors.append(repr(exc)[:100])
            await asyncio.sleep(1)


async def _follow(
    http: httpx.AsyncClient, path: str, auth: dict[str, str], seq: int, limit: float = 30.0
) -> list[dict[str, Any]]:
    """The rest of a turn answered `pending: true`: poll the history every 0.1 s until a
    message other than the "still checking" notice follows the customer's."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        got = (await http.get(path, params={"after": seq}, headers=auth)).json()["messages"]
        if any(not is_still_checking(m) for m in got):
            return list(got)
    return []


async def customers_step(url: str, secret: str, n: int, seconds: float) -> dict[str, Any]:
    record: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=n + 10)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        until = time.monotonic() + 10 + seconds
        tasks = [_customer(http, secret, until, record, errors) for _ in range(n)]
        started = time.monotonic()
        await asyncio.gather(*tasks)
        took = time.monotonic() - started
    result = {"customers": n, **summary(record, took), "errors": len(errors)}
    result["holds"] = bool(result.get("p95_ms") is not None and result["p95_ms"] <= 1000)
    return result


async def ramp(url: str, secret: str, steps: list[int], seconds: float) -> list[dict[str, Any]]:
    results = []
    for n in steps:
        result = await customers_step(url, secret, n, seconds)
        log.info("%d customers: %s", n, result)
        results.append(result)
        if not result["holds"]:
            break
    return results


async def _rasa_client(
    http: httpx.AsyncClient, url: str, until: float, record: list[float]
) -> None:
    sender = uuid.uuid4().hex
    turn = 0
    while time.monotonic() < until:
        text = RASA_SCRIPT[turn % len(RASA_SCRIPT)]
        if turn % len(RASA_SCRIPT) == 0:
            sender = uuid.uuid4().hex
        started = time.monotonic()
        try:
            response = await http.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            if response.status_code == 200:
                record.append(time.monotonic() - started)
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
        turn += 1


async def rasa_paths(
    paths: dict[str, str], concurrency: int, messages: int, block: float = 20.0
) -> dict[str, Any]:
    """Alternate `block`-second runs on each path until every path has `messages`."""
    record: dict[str, list[float]] = {name: [] for name in paths}
    busy: dict[str, float] = dict.fromkeys(paths, 0.0)
    async with httpx.AsyncClient(timeout=60) as http:
        while min(len(v) for v in record.values()) < messages:
            for name, url in paths.items():
                started = time.monotonic()
                until = started + block
                await asyncio.gather(
                    *(_rasa_client(http, url, until, record[name]) for _ in range(concurrency))
                )
                busy[name] += time.monotonic() - started
                log.info("%s: %d messages so far", name, len(record[name]))
    return {
        "concurrency": concurrency,
        **{name: summary(record[name], busy[name]) for name in paths},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prod.capacity", description=__doc__)
    parser.add_argument("--profile", choices=("demo", "production"), default="production")
    parser.add_argument("--steps", type=int, nargs="*", default=[10, 20, 40, 80])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rasa-paths", action="store_true")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bench.prod.stacks import running

    report: dict[str, Any] = {"profile": args.profile}
    with running(args.profile) as stack:
        if args.steps:
            report["steps"] = asyncio.run(
                ramp(stack.handoff_url, stack.shop_secret, args.steps, args.seconds)
            )
        if args.rasa_paths:
            report["rasa_paths"] = [
                asyncio.run(rasa_paths(stack.rasa_paths, c, args.messages))
                for c in args.concurrency
            ]
    write_report(f"capacity-{args.profile}", report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
