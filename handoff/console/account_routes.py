"""Agent API: logging in and out, the agent's availability, colleagues and user accounts."""

from __future__ import annotations

import logging
from datetime import timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import accounts as auth
from handoff.access import requires, session_token
from handoff.console import services as svc
from handoff.console.inputs import string_field
from handoff.conversations.publish import queue_changed
from handoff.errors import BadRequest, Unauthorized
from handoff.http import client_address, hub_of, json_body
from handoff.ratelimit import LOGIN_ACCOUNT, LOGIN_ADDRESS
from handoff.security import SESSION_COOKIE as COOKIE
from handoff.store import repositories as repo
from handoff.store.models import User, utcnow
from handoff.views import colleague_view, user_view

log = logging.getLogger(__name__)
bp = Blueprint("console_accounts")


@bp.post("/api/auth/login")
async def login(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    body = json_body(request)
    email, password = string_field(body, "email"), string_field(body, "password")
    assert email is not None and password is not None
    account, address = email.strip().lower()[:320], client_address(request)
    # Throttled per account and per address; only failed attempts count.
    await hub.limits.check(LOGIN_ACCOUNT, account)
    await hub.limits.check(LOGIN_ADDRESS, address)
    try:
        async with hub.db.session() as session:
            token, user = await auth.login(
                session=session,
                email=email,
                password=password,
                ttl_seconds=hub.settings.session_ttl_seconds,
            )
    except Unauthorized:
        await hub.limits.hit(LOGIN_ACCOUNT, account)
        await hub.limits.hit(LOGIN_ADDRESS, address)
        log.info("login failed", extra={"address": address})
        raise
    response = json({"token": token, "user": user_view(user)})
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=hub.settings.cookie_secure,
        max_age=hub.settings.session_ttl_seconds,
    )
    return response


@bp.post("/api/auth/logout")
@requires(auth.READ)
async def logout(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        await auth.logout(session=session, token=session_token(request))
        user = await session.get(User, request.ctx.user.id)
        if user is not None:
            user.available = False
    released = await svc.release_all(hub, user=request.ctx.user)
    await queue_changed(hub, "agents_changed")
    response = json({"ok": True, "released": released})
    response.delete_cookie(COOKIE)
    return response


@bp.get("/api/auth/me")
@requires(auth.READ)
async def me(request: Request) -> HTTPResponse:
    return json(user_view(request.ctx.user))


@bp.put("/api/agent/status")
@requires(auth.ACT)
async def set_status(request: Request) -> HTTPResponse:
    body = json_body(request)
    available = body.get("available")
    if not isinstance(available, bool):
        raise BadRequest("available must be true or false", field="available")
    hub = hub_of(request)
    async with hub.db.session() as session:
        user = await session.get(User, request.ctx.user.id)
        assert user is not None
        await svc.set_available(session=session, user=user, available=available)
    await queue_changed(hub, "agents_changed")
    return json(user_view(user))


@bp.get("/api/agents")
@requires(auth.ACT)
async def agents(request: Request) -> HTTPResponse:
    """Colleagues who can take a conversation (for transfer). Plain agents see the directory
    view (id, name, languages, online); supervisors and admins also see email, role, status."""
    hub = hub_of(request)
    since = utcnow() - timedelta(seconds=hub.settings.presence_ttl_seconds)
    full = request.ctx.user.role in auth.SUPERVISE
    async with hub.db.session() as session:
        users = await repo.list_users(session)
    result = []
    for u in users:
        if u.role not in auth.ACT or not u.active:
            continue
        online = bool(u.available and u.last_seen_at and u.last_seen_at >= since)
        result.append(user_view(u, online=online) if full else colleague_view(u, online=online))
    return json({"agents": result})


@bp.post("/api/users")
@requires(auth.ADMIN)
async def create_user(request: Request) -> HTTPResponse:
    body = json_body(request)
    languages = body.get("languages")
    if languages is not None and not (
        isinstance(languages, list) and all(isinstance(x, str) for x in languages)
    ):
        raise BadRequest("languages must be a list of language codes", field="languages")
    hub = hub_of(request)
    async with hub.db.session() as session:
        user = await auth.create_user(
            session=session,
            email=string_field(body, "email") or "",
            name=string_field(body, "name") or "",
            role=string_field(body, "role") or "",
            password=string_field(body, "password") or "",
            languages=languages,
        )
    return json(user_view(user), status=201)
