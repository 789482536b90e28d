"""Failures of the order API client, raised (never returned) by `actions.clients.orders`."""

from __future__ import annotations


class OrderApiError(Exception):
    """Base class of every order-API failure."""

    code = "order_api_error"

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.status = status


class NotFound(OrderApiError):
    """The order or customer does not exist."""

    code = "not_found"


class Refused(OrderApiError):
    """A business rule refused the request (409/422 with a machine code)."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.code = code


class VerificationFailed(OrderApiError):
    """E-mail or postcode did not match the order."""

    code = "verification_failed"

    def __init__(self, message: str = "", *, attempts_left: int | None = None) -> None:
        super().__init__(message, status=422)
        self.attempts_left = attempts_left


class Locked(OrderApiError):
    """Too many failed verification attempts; the order is locked for a while."""

    code = "verification_locked"

    def __init__(self, message: str = "", *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(OrderApiError):
    """The order API is down, slow, misconfigured or answered with a server error."""

    code = "unavailable"
