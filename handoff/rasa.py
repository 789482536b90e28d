"""The only client of the Rasa server (REST channel + HTTP API), with explicit timeouts."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from handoff.errors import BotUnavailable

log = logging.getLogger(__name__)


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self._token = token
        self._client = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(timeout))

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("rasa request failed", extra={"path": path, "error": repr(exc)})
            raise BotUnavailable(f"rasa unreachable: {exc!r}") from exc
        if response.status_code >= 400:
            log.warning(
                "rasa answered with an error",
                extra={"path": path, "status": response.status_code, "body": response.text[:300]},
            )
            raise BotUnavailable(f"rasa answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise BotUnavailable("rasa answered with invalid JSON") from exc

    async def send_message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        data = await self._request("POST", "/webhooks/rest/webhook", json=body)
        if not isinstance(data, list):
            raise BotUnavailable("rasa REST channel did not answer with a list")
        return [m for m in data if isinstance(m, dict)]

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        data = await self._request(
            "GET", f"/conversations/{conversation_id}/tracker", params={"token": self._token}
        )
        if not isinstance(data, dict):
            raise BotUnavailable("rasa tracker is not an object")
        return data

    async def resume(self, conversation_id: str) -> None:
        """Un-pause the conversation. `action_listen` follows, as Rasa's own processor logs one
        before every user message: without it the next intent's rules (which start from
        `prev_action: action_listen`) would not match after the paused `action_handoff`."""
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            params={"token": self._token},
            json=[{"event": "resume"}, {"event": "action", "name": "action_listen"}],
        )

    async def set_slots(self, conversation_id: str, slots: dict[str, Any]) -> None:
        """Append slot events (the service's CES question and answer, so the bot does not ask
        again in this session and analytics sees the score)."""
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            params={"token": self._token},
            json=[{"event": "slot", "name": name, "value": value} for name, value in slots.items()],
        )

    async def hand_back(self, conversation_id: str, outcome: str) -> list[dict[str, Any]]:
        """Resume the paused conversation and tell the bot what the agent did."""
        params = {"token": self._token}
        await self.resume(conversation_id)
        data = await self._request(
            "POST",
            f"/conversations/{conversation_id}/trigger_intent",
            params={**params, "output_channel": "latest"},
            json={"name": "EXTERNAL_handback", "entities": {"handoff_outcome": outcome}},
        )
        messages = data.get("messages") if isinstance(data, dict) else None
        return [m for m in messages or [] if isinstance(m, dict)]

    async def close(self) -> None:
        await self._client.aclose()
