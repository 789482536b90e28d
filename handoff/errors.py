"""Domain errors. They map to HTTP statuses in one place (handoff.http.register_error_handlers)."""

from __future__ import annotations

from typing import Any

# What a client is told of a failure on our side (HTTP 500 body, WebSocket error frame).
INTERNAL_ERROR = {"code": "internal_error", "message": "Something went wrong on our side."}


class DomainError(Exception):
    """A failure the client is told of: the HTTP `status` and machine-readable `code` of its
    kind (given on the class line: ``class NotFound(DomainError, status=404, code=...)``)."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None) -> None:
        super().__init_subclass__()
        cls.status = status or cls.status
        cls.code = code or cls.code

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra


class BadRequest(DomainError, status=400, code="bad_request"):
    """The request is malformed or asks for something the rules do not allow."""


class Unauthorized(DomainError, status=401, code="unauthorized"):
    """No valid credentials."""


class Forbidden(DomainError, status=403, code="forbidden"):
    """Not allowed for this caller (its role, origin or assignment)."""


class NotFound(DomainError, status=404, code="not_found"):
    """No such thing."""


class Conflict(DomainError, status=409, code="conflict"):
    """It exists already, or is not in a state that allows this (e.g. a claimed handoff)."""


class PayloadTooLarge(DomainError, status=413, code="too_large"):
    """The body (e.g. a photo) is over its limit."""


class BotUnavailable(Exception):
    """Rasa could not be reached or answered with an error (not shown to clients as such)."""


class TooManyRequests(DomainError, status=429, code="rate_limited"):
    """A rate limit was reached; `retry_after` (seconds) also goes into the `Retry-After`
    header."""

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=retry_after)
        self.retry_after = retry_after
