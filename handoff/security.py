"""Tokens and passwords: conversation tokens, the shop's customer token, agent sessions.

Both signed token kinds are HS256 JWTs (PyJWT; the signature check is constant-time):
conversation tokens are issued here with `HANDOFF_SECRET`, customer tokens by the shop with
`HANDOFF_SHOP_SECRET`. Anything that is not a well-formed, correctly signed, unexpired token of
the right kind is `Unauthorized` (401), never an exception of its own."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from handoff.errors import Unauthorized

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 4096
CONVERSATION_AUDIENCE = "handoff:conversation"
# A conversation token expired less than this long ago can still be exchanged for a fresh one
# (a browser tab that slept past the widget's refresh timer keeps its conversation).
REFRESH_GRACE_SECONDS = 300
SESSION_COOKIE = "handoff_session"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class _Kind:
    invalid_code: str
    invalid_message: str
    expired_code: str
    expired_message: str


_CONVERSATION = _Kind(
    "unauthorized",
    "Invalid conversation token.",
    "conversation_token_expired",
    "The conversation token has expired; exchange it for a new one.",
)
_CUSTOMER = _Kind(
    "invalid_customer_token",
    "The customer token is invalid.",
    "customer_token_expired",
    "The customer token has expired; reload the page.",
)


def _decode(
    kind: _Kind,
    secret: str,
    token: object,
    *,
    audience: str | None = None,
    now: float | None = None,
    grace: float = 0.0,
) -> dict[str, Any]:
    """The claims of a valid token of this kind (`sub` and `exp` required)."""
    if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized(kind.invalid_message, code=kind.invalid_code)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_aud": bool(audience)},
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized(kind.invalid_message, code=kind.invalid_code) from exc
    exp = claims.get("exp")
    sub = claims.get("sub")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or not isinstance(sub, str):
        raise Unauthorized(kind.invalid_message, code=kind.invalid_code)
    if not sub:
        raise Unauthorized(kind.invalid_message, code=kind.invalid_code)
    if exp + grace <= (time.time() if now is None else now):
        raise Unauthorized(kind.expired_message, code=kind.expired_code)
    return claims


# --- conversation tokens -------------------------------------------------------------------


def conversation_token(
    secret: str, conversation_id: str, *, ttl_seconds: int, now: float | None = None
) -> str:
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": conversation_id,
        "aud": CONVERSATION_AUDIENCE,
        "iat": issued,
        "exp": issued + ttl_seconds,
        # Unique per issue: a token refreshed within the same second is still a new token.
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def conversation_from_token(
    secret: str, token: str, *, now: float | None = None, grace: float = 0.0
) -> str:
    """The conversation id a token grants; Unauthorized when it is invalid or expired
    (`grace` seconds after expiry still count as valid: the refresh endpoint's allowance)."""
    claims = _decode(
        _CONVERSATION, secret, token, audience=CONVERSATION_AUDIENCE, now=now, grace=grace
    )
    return str(claims["sub"])


# --- the shop's signed-in customer ---------------------------------------------------------


@dataclass(frozen=True)
class ShopCustomer:
    customer_id: str
    name: str | None
    email: str | None = None  # optional `email` claim: where an offline reply may be sent


def shop_customer_token(secret: str, claims: dict[str, Any]) -> str:
    """What the shop's back end issues (an HS256 JWT with `sub`, `exp`, optional `name`); the
    demo page and the tests use it."""
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# The demo shop's signed-in customers (seed data of the order API, docs/contracts.md).
DEMO_CUSTOMERS = {
    "C0001": "Alice Example",
    "C0002": "Minji Kim",
    "C0003": "Carlos Demo",
}
DEMO_TOKEN_TTL = 3600


def demo_customer_token(
    secret: str, customer_id: str, *, ttl_seconds: int = DEMO_TOKEN_TTL, now: float | None = None
) -> str:
    """A demo customer's signed-in token, as the demo shop page (`/demo`), the benchmarks and the
    tests make it (an unknown id gets its id as its name)."""
    issued = int(time.time() if now is None else now)
    name = DEMO_CUSTOMERS.get(customer_id, customer_id)
    return shop_customer_token(
        secret, {"sub": customer_id, "name": name, "exp": issued + ttl_seconds}
    )


def verify_shop_token(secret: str, token: str, *, now: float | None = None) -> ShopCustomer:
    claims = _decode(_CUSTOMER, secret, token, now=now)
    name = claims.get("name")
    email = claims.get("email")
    return ShopCustomer(
        customer_id=str(claims["sub"]),
        name=name if isinstance(name, str) else None,
        email=email if isinstance(email, str) and "@" in email and len(email) <= 254 else None,
    )


# --- agents --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash with the current parameters that no password matches (for unknown e-mails)."""
    return _hasher.hash(secrets.token_urlsafe(32))


@lru_cache(maxsize=1)
def _password_pool() -> ThreadPoolExecutor:
    # argon2 takes ~100 ms of CPU and 64 MiB per check: a few threads, never the event loop.
    return ThreadPoolExecutor(
        max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="argon2"
    )


def _check(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        verify_password(_dummy_hash(), password)  # the same work as for a real account
        return False
    return verify_password(password_hash, password)


async def check_password(password_hash: str | None, password: str) -> bool:
    """`verify_password` in a worker thread; `None` (no such account) costs the same time and
    is always False, so response times do not tell which e-mails have accounts."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_password_pool(), _check, password_hash, password)


async def warm_up() -> None:
    """Compute the dummy hash before the first login needs it."""
    await asyncio.get_running_loop().run_in_executor(_password_pool(), _dummy_hash)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
