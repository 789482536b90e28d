"""Tokens and passwords: conversation tokens, the shop's customer token, agent sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from handoff.errors import Unauthorized

_hasher = PasswordHasher()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


# --- conversation tokens -------------------------------------------------------------------


def conversation_token(secret: str, conversation_id: str) -> str:
    return f"{conversation_id}.{_sign(secret, 'conversation:' + conversation_id)}"


def conversation_from_token(secret: str, token: str) -> str:
    """The conversation id a token grants; Unauthorized when the signature is wrong."""
    conversation_id, _, signature = token.rpartition(".")
    if not conversation_id or not signature:
        raise Unauthorized("Invalid conversation token.")
    expected = _sign(secret, "conversation:" + conversation_id)
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("Invalid conversation token.")
    return conversation_id


# --- the shop's signed-in customer ---------------------------------------------------------


@dataclass(frozen=True)
class ShopCustomer:
    customer_id: str
    name: str | None
    email: str | None = None  # optional `email` claim: where an offline reply may be sent


def shop_customer_token(secret: str, claims: dict[str, Any]) -> str:
    """Compact HMAC form (what a shop without a JWT library can produce); used by tests too."""
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, body)}"


def verify_shop_token(secret: str, token: str, *, now: float | None = None) -> ShopCustomer:
    now = time.time() if now is None else now
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = jwt.decode(
                token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]}
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(
                "The customer token has expired; reload the page.", code="customer_token_expired"
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                "The customer token is invalid.", code="invalid_customer_token"
            ) from exc
    elif len(parts) == 2:
        body, signature = parts
        if not hmac.compare_digest(_sign(secret, body), signature):
            raise Unauthorized("The customer token is invalid.", code="invalid_customer_token")
        try:
            claims = json.loads(_unb64(body))
        except ValueError as exc:
            raise Unauthorized(
                "The customer token is invalid.", code="invalid_customer_token"
            ) from exc
        exp = claims.get("exp") if isinstance(claims, dict) else None
        if not isinstance(exp, (int, float)):
            raise Unauthorized("The customer token has no expiry.", code="invalid_customer_token")
        if exp < now:
            raise Unauthorized(
                "The customer token has expired; reload the page.", code="customer_token_expired"
            )
    else:
        raise Unauthorized("The customer token is invalid.", code="invalid_customer_token")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("The customer token has no subject.", code="invalid_customer_token")
    name = claims.get("name")
    email = claims.get("email")
    return ShopCustomer(
        customer_id=sub,
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


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
