"""Domain errors of the order API and the one table mapping them to HTTP statuses."""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    """A refusal with a machine code and a human sentence (plus optional extra fields)."""

    status = 400

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class BadRequest(ShopError):
    """Malformed input: invalid JSON, wrong types, missing fields."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__("bad_request", message, **extra)


class Unauthorized(ShopError):
    pass


class NotFound(ShopError):
    pass


class Conflict(ShopError):
    """The request is valid but the order's state does not allow it."""


class Invalid(ShopError):
    """The request is well formed but its content is not acceptable."""


class Locked(ShopError):
    """Too many attempts; retry later."""


class FaultInjected(ShopError):
    pass


# The one place where domain errors become HTTP statuses.
HTTP_STATUS: dict[type[ShopError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    Locked: 429,
    FaultInjected: 503,
}


def http_status(error: ShopError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400
