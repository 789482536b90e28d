"""Who is calling, for every blueprint: the agent's login session (bearer token or cookie) with
role checks, and the customer's conversation token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from handoff import accounts
from handoff.errors import Forbidden, Unauthorized
from handoff.http import bearer_token, hub_of
from handoff.security import SESSION_COOKIE, conversation_from_token
from handoff.store.models import User

MAX_SESSION_TOKEN = 256
Handler = Callable[..., Awaitable[HTTPResponse]]


def session_token(request: Request) -> str:
    """The session token from `Authorization: Bearer …` or the session cookie; never from the
    URL (a token in a URL ends up in logs, history and Referer headers)."""
    token = bearer_token(request)
    if token is None:
        token = str(request.cookies.get(SESSION_COOKIE) or "")
    if not token:
        raise Unauthorized("Please log in.")
    if not token.isascii() or len(token) > MAX_SESSION_TOKEN:
        raise Unauthorized("Please log in again.")
    return token


async def current_user(request: Request) -> User:
    hub = hub_of(request)
    async with hub.db.session() as session:
        return await accounts.authenticate(session=session, token=session_token(request))


def requires(roles: Collection[str]) -> Callable[[Handler], Handler]:
    """A logged-in user with one of `roles` (as `request.ctx.user`), else 401/403."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            user = await current_user(request)
            if user.role not in roles:
                raise Forbidden("Your role does not allow this.")
            request.ctx.user = user
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorator


def customer_token(request: Request) -> str:
    """The conversation token from `Authorization: Bearer …` or the `token` argument (browsers
    cannot set headers on a WebSocket)."""
    token = bearer_token(request) or request.args.get("token")
    if token:
        return token
    raise Unauthorized("A conversation token is required.")


def authorize(request: Request, conversation_id: str, *, grace: float = 0.0) -> None:
    """A customer token grants its own conversation and nothing else."""
    secret = hub_of(request).settings.secret
    if conversation_from_token(secret, customer_token(request), grace=grace) != conversation_id:
        raise Forbidden("This token does not grant access to that conversation.")
