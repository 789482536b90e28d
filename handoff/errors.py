"""Domain errors. They map to HTTP statuses in one place (handoff.http.register_error_handlers)."""

from __future__ import annotations

from typing import Any

# What a client is told of a failure on our side (HTTP 500 body, WebSocket error frame).
INTERNAL_ERROR = {"code": "internal_error", "message": "Something went wrong on our side."}


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class BotUnavailable(Exception):
    """Rasa could not be reached or answered with an error (not shown to clients as such)."""


class TooManyRequests(DomainError):
    """A rate limit was reached; `retry_after` (seconds) also goes into the `Retry-After`
    header."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=retry_after)
        self.retry_after = retry_after
