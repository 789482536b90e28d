"""Agent accounts, their roles and login sessions (argon2 hashes; opaque bearer tokens stored
hashed). Shared by the console, the analytics pages and `python -m handoff create-user`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.config import LANGUAGES
from handoff.errors import BadRequest, Conflict, Unauthorized
from handoff.security import check_password, hash_password, new_session_token, token_digest
from handoff.store import repositories as repo
from handoff.store.models import AuthSession, User, utcnow
from handoff.values import Role

ROLES = tuple(Role)
ACT = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})  # may work on conversations
READ = frozenset(Role)  # may read handoffs and transcripts
SUPERVISE = frozenset({Role.SUPERVISOR, Role.ADMIN})  # may act on anyone's handoff
ADMIN = frozenset({Role.ADMIN})
ANALYTICS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})


async def create_user(
    *,
    session: AsyncSession,
    email: str,
    name: str,
    role: str,
    password: str,
    languages: list[str] | None = None,
) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise BadRequest("email must be an email address", field="email")
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", field="role")
    if not name.strip():
        raise BadRequest("name must not be empty", field="name")
    if len(password) < 8:
        raise BadRequest("password must be at least 8 characters", field="password")
    languages = list(languages or LANGUAGES)
    if any(lang not in LANGUAGES for lang in languages):
        raise BadRequest(f"languages must be among {', '.join(LANGUAGES)}", field="languages")
    if await repo.user_by_email(session, email) is not None:
        raise Conflict("A user with this email already exists.", code="user_exists")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        languages=languages,
        available=False,
        active=True,
        created_at=utcnow(),
    )
    return await repo.add(session, user)


async def login(
    *, session: AsyncSession, email: str, password: str, ttl_seconds: int
) -> tuple[str, User]:
    user = await repo.user_by_email(session, email)
    # The same argon2 work whether or not the account exists (no e-mail enumeration by timing).
    matches = await check_password(user.password_hash if user is not None else None, password)
    if user is None or not user.active or not matches:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    token = new_session_token()
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    user.last_seen_at = now
    await session.flush()
    return token, user


async def authenticate(*, session: AsyncSession, token: str) -> User:
    record = await repo.session_by_digest(session, token_digest(token))
    if record is None or record.expires_at <= utcnow():
        raise Unauthorized("Please log in again.")
    user = await session.get(User, record.user_id)
    if user is None or not user.active:
        raise Unauthorized("Please log in again.")
    now = utcnow()
    if user.last_seen_at is None or (now - user.last_seen_at).total_seconds() > 15:
        user.last_seen_at = now
    return user


async def logout(*, session: AsyncSession, token: str) -> None:
    record = await repo.session_by_digest(session, token_digest(token))
    if record is not None:
        await session.delete(record)
