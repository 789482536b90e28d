"""The hand-written OpenAPI 3 document of the handoff service's HTTP API, served at
`/api/openapi.json` (kept in step with the routes by tests/handoff/test_handoff_openapi.py).
Pages, static files and the WebSockets are not part of it (docs/api.md describes those)."""

from __future__ import annotations

from typing import Any

from handoff.values import Role

_ERROR = {"$ref": "#/components/schemas/Error"}
_OBJ: dict[str, Any] = {"type": "object"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    ok: str = "200",
    *,
    errors: tuple[int, ...] = (400, 401, 403, 404),
    body: dict[str, Any] | None = None,
    query: tuple[tuple[str, dict[str, Any]], ...] = (),
    public: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {ok: _json(_OBJ, "success")}
    responses.update({str(status): _json(_ERROR, "refused") for status in errors})
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object", **body}}},
        }
    if query:
        op["parameters"] = [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in query
        ]
    if public:
        op["security"] = []
    return op


def _str(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


def _props(**props: dict[str, Any]) -> dict[str, Any]:
    return {"properties": props}


_INT = {"type": "integer"}
_CONVERSATION = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": _str(),
    "example": "c_0123456789abcdef01234567",
}
_HANDOFF = {"name": "handoff_id", "in": "path", "required": True, "schema": _INT}
_ATTACHMENT = {"name": "attachment_id", "in": "path", "required": True, "schema": _str()}
_KEY = {"name": "key", "in": "path", "required": True, "schema": _str()}
_TEXT = _props(text=_str(), client_message_id=_str(maxLength=100))
_FILTERS = (("since", _str()), ("until", _str()), ("language", _str()), ("task", _str()))


def _with(params: list[dict[str, Any]], ops: dict[str, Any]) -> dict[str, Any]:
    return {"parameters": params, **ops}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "effortless handoff service",
            "version": "1.0.0",
            "description": "Customer chat API, agent console API, analytics API. "
            "See docs/api.md; errors are {code, message[, field]}.",
        },
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "handoff_session"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": _str(), "message": _str(), "field": _str()},
                }
            },
        },
        "paths": {
            "/health": {"get": _op("Liveness", errors=(), public=True)},
            "/api/openapi.json": {"get": _op("This document", errors=(), public=True)},
            **_customer_paths(),
            **_account_paths(),
            **_handoff_paths(),
            **_analytics_paths(),
        },
    }


def _customer_paths() -> dict[str, Any]:
    """The customer API (conversation token)."""
    conv = [_CONVERSATION]
    return {
        "/api/conversations": {
            "post": _op(
                "Start a conversation",
                "201",
                errors=(400, 401),
                body=_props(language=_str(), customer_token=_str()),
                public=True,
            )
        },
        "/api/conversations/{conversation_id}": _with(conv, {"get": _op("Conversation state")}),
        "/api/conversations/{conversation_id}/messages": _with(
            conv,
            {
                "get": _op("Messages", query=(("after", _INT), ("limit", _INT))),
                "post": _op(
                    "Send a message (the bot's replies, or the still-checking notice and "
                    "pending: true when the bot is slow; docs/api.md)",
                    "201",
                    body=_TEXT,
                ),
            },
        ),
        "/api/conversations/{conversation_id}/leave": _with(
            conv, {"post": _op("The customer ended the chat")}
        ),
        "/api/conversations/{conversation_id}/token": _with(
            conv, {"post": _op("Exchange the conversation token for a fresh one")}
        ),
        "/api/conversations/{conversation_id}/attachments": _with(
            conv,
            {
                "post": _op(
                    "Upload a photo (the raw body; JPEG, PNG or WebP)",
                    "201",
                    errors=(400, 401, 403, 404, 413),
                    query=(("filename", _str()), ("client_message_id", _str())),
                )
            },
        ),
        "/api/conversations/{conversation_id}/attachments/{attachment_id}": _with(
            [*conv, _ATTACHMENT], {"get": _op("A photo of this conversation")}
        ),
        "/api/conversations/{conversation_id}/attachments/{attachment_id}/thumbnail": _with(
            [*conv, _ATTACHMENT], {"get": _op("Its thumbnail")}
        ),
        "/api/conversations/{conversation_id}/transcript": _with(
            conv, {"post": _op("E-mail the transcript", body=_props(email=_str()))}
        ),
        "/api/conversations/{conversation_id}/reply-email": _with(
            conv,
            {"post": _op("Where an agent's reply goes by e-mail", body=_props(email=_str()))},
        ),
    }


def _account_paths() -> dict[str, Any]:
    """The agents' accounts and sessions."""
    return {
        "/api/auth/login": {
            "post": _op(
                "Log in",
                errors=(400, 401),
                body=_props(email=_str(), password=_str()),
                public=True,
            )
        },
        "/api/auth/logout": {"post": _op("Log out", errors=(401,))},
        "/api/auth/me": {"get": _op("Who am I", errors=(401,))},
        "/api/agent/status": {
            "put": _op("Set availability", body=_props(available={"type": "boolean"}))
        },
        "/api/agents": {"get": _op("Colleagues (for transfer)")},
        "/api/users": {
            "post": _op(
                "Create an account (admin)",
                "201",
                errors=(400, 401, 403, 409),
                body=_props(
                    email=_str(),
                    name=_str(),
                    role=_str(enum=[str(role) for role in Role]),
                    password=_str(),
                    languages={"type": "array", "items": _str()},
                ),
            )
        },
    }


def _handoff_paths() -> dict[str, Any]:
    """The agent API (login session)."""
    handoff = [_HANDOFF]
    return {
        "/api/queue": {"get": _op("The queue I can take from")},
        "/api/queue/next": {"post": _op("Claim the next conversation", errors=(401, 403, 404))},
        "/api/handoffs": {
            "get": _op(
                "Handoffs",
                query=(
                    ("status", _str(enum=["open", "queued", "claimed", "closed", "all"])),
                    ("mine", _str()),
                ),
            )
        },
        "/api/handoffs/{handoff_id}": _with(handoff, {"get": _op("Handoff with context")}),
        "/api/handoffs/{handoff_id}/messages": _with(
            handoff,
            {
                "get": _op("Messages", query=(("after", _INT),)),
                "post": _op("Reply to the customer", "201", body=_TEXT),
            },
        ),
        "/api/handoffs/{handoff_id}/events": _with(handoff, {"get": _op("Lifecycle events")}),
        "/api/handoffs/{handoff_id}/attachments": _with(
            handoff, {"get": _op("The conversation's photos")}
        ),
        "/api/attachments/{attachment_id}": _with([_ATTACHMENT], {"get": _op("A photo (agents)")}),
        "/api/attachments/{attachment_id}/thumbnail": _with(
            [_ATTACHMENT], {"get": _op("Its thumbnail (agents)")}
        ),
        "/api/handoffs/{handoff_id}/claim": _with(
            handoff, {"post": _op("Claim", errors=(401, 403, 404, 409))}
        ),
        "/api/handoffs/{handoff_id}/notes": _with(
            handoff, {"post": _op("Internal note", "201", body=_props(text=_str()))}
        ),
        "/api/handoffs/{handoff_id}/typing": _with(
            handoff, {"post": _op("Typing", body=_props(typing={"type": "boolean"}))}
        ),
        "/api/handoffs/{handoff_id}/transfer": _with(
            handoff,
            {
                "post": _op(
                    "Transfer",
                    errors=(400, 401, 403, 404, 409),
                    body=_props(agent_id=_INT, note=_str()),
                )
            },
        ),
        "/api/handoffs/{handoff_id}/resolve": _with(
            handoff,
            {"post": _op("Resolve", errors=(400, 401, 403, 404, 409), body=_props(note=_str()))},
        ),
        "/api/handoffs/{handoff_id}/handback": _with(
            handoff,
            {
                "post": _op(
                    "Hand back to the bot",
                    errors=(400, 401, 403, 404, 409),
                    body=_props(note=_str()),
                )
            },
        ),
    }


def _analytics_paths() -> dict[str, Any]:
    """The analytics API (analyst, supervisor, admin)."""
    return {
        "/api/analytics/summary": {"get": _op("Dashboard figures", query=_FILTERS)},
        "/api/analytics/sessions": {
            "get": _op(
                "Sessions",
                query=(*_FILTERS, ("outcome", _str()), ("limit", _INT), ("offset", _INT)),
            )
        },
        "/api/analytics/sessions/{key}": _with(
            [_KEY],
            {"get": _op("One session, masked unless raw=1 (admin)", query=(("raw", _str()),))},
        ),
    }
