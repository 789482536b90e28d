"""The hand-written OpenAPI 3 document of the order API (kept in step by a test)."""

from __future__ import annotations

from typing import Any

from shop.rules import STATUSES

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: tuple[int, str]) -> dict[str, Any]:
    return {str(status): _json(_ERROR, text) for status, text in codes}


def _path_param(name: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "example": example,
    }


_ORDER_PARAM = _path_param("order_number", "EF-100001")
_CUSTOMER_PARAM = _path_param("customer_id", "C0001")
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
}
_COMMON = ((401, "unauthorized"), (503, "fault_injected"))
_NOT_FOUND = (404, "order_not_found")
_BAD = (400, "bad_request")
_FAULTS_OFF = ((404, "not_found unless SHOP_ALLOW_FAULTS=1"), (401, "unauthorized"))
_REUSED = (422, "idempotency_key_reused (or the refusal listed)")


def _op(summary: str, ok: dict[str, Any], *errors: tuple[int, str], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**ok, **_errors(*errors)}, **extra}


def _order_get(summary: str, ok: dict[str, Any], *errors: tuple[int, str]) -> dict[str, Any]:
    """A read of one order: order_not_found, the refusals given, the common errors."""
    return _op(summary, ok, _NOT_FOUND, *errors, *_COMMON, parameters=[_ORDER_PARAM])


def _order_post(
    summary: str, ok: dict[str, Any], *errors: tuple[int, str], body: dict[str, Any]
) -> dict[str, Any]:
    """A write to one order (with an Idempotency-Key): bad_request, order_not_found, the
    refusals given, the common errors."""
    return _op(
        summary,
        ok,
        _BAD,
        _NOT_FOUND,
        *errors,
        *_COMMON,
        parameters=[_ORDER_PARAM, _IDEMPOTENCY],
        requestBody=body,
    )


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _str(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order_number": _str(),
        "customer_id": _str(),
        "status": _str(enum=list(STATUSES)),
        "placed_at": _str(format="date-time"),
        "currency": _str(),
        "total": _str(),
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sku": _str(),
                    "name": _str(),
                    "quantity": {"type": "integer"},
                    "unit_price": _str(),
                },
            },
        },
        "shipping_address": {"$ref": "#/components/schemas/Address"},
        "carrier": _str(nullable=True),
        "tracking_number": _str(nullable=True),
        "eta": _str(format="date", nullable=True),
        "delivered_at": _str(format="date-time", nullable=True),
        "return_window_ends": _str(format="date", nullable=True),
        "refund_status": _str(enum=["none", "pending", "paid"]),
        "can_cancel": {"type": "boolean"},
        "can_change_address": {"type": "boolean"},
        "can_return": {"type": "boolean"},
    },
}


def openapi_document() -> dict[str, Any]:
    order = {"$ref": "#/components/schemas/Order"}
    obj = {"type": "object"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "effortless demo order API",
            "version": "1.0.0",
            "description": "Stand-in for a shop's order system. See docs/order-api.md.",
        },
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": _str(), "message": _str()},
                },
                "Address": {
                    "type": "object",
                    "required": ["street", "city", "postcode", "country"],
                    "properties": {
                        "name": _str(),
                        "street": _str(),
                        "city": _str(),
                        "postcode": _str(),
                        "country": _str(),
                    },
                },
                "Order": ORDER_SCHEMA,
            },
        },
        "paths": {
            "/v1/health": {"get": _op("Liveness", {"200": _json(obj, "ok")}, security=[])},
            "/v1/openapi.json": {
                "get": _op("This document", {"200": _json(obj, "document")}, security=[])
            },
            "/v1/policies": {
                "get": _op(
                    "The shop's policies: cancellation fee, return window, refund, delivery and "
                    "deletion times, payment methods (docs/contracts.md)",
                    {"200": _json(obj, "the policies")},
                    *_COMMON,
                )
            },
            "/v1/orders/{order_number}": {
                "get": _order_get(
                    "One order",
                    {"200": _json(order, "the order")},
                )
            },
            "/v1/orders/{order_number}/verify": {
                "post": _order_post(
                    "Verify the customer by email or postcode",
                    {"200": _json(obj, "verified, with customer_id")},
                    (422, "verification_failed (+attempts_left)"),
                    (429, "verification_locked (+retry_after_seconds)"),
                    body=_body(
                        {"type": "object", "properties": {"email": _str(), "postcode": _str()}}
                    ),
                )
            },
            "/v1/customers/{customer_id}": {
                "get": _op(
                    "A customer",
                    {"200": _json(obj, "customer")},
                    (404, "customer_not_found"),
                    *_COMMON,
                    parameters=[_CUSTOMER_PARAM],
                )
            },
            "/v1/customers/{customer_id}/orders": {
                "get": _op(
                    "A customer's orders, newest first",
                    {"200": _json(obj, "{orders: [...]}")},
                    _BAD,
                    (404, "customer_not_found"),
                    *_COMMON,
                    parameters=[
                        _CUSTOMER_PARAM,
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "default": 5,
                                "minimum": 1,
                                "maximum": 100,
                            },
                        },
                    ],
                )
            },
            "/v1/orders/{order_number}/tracking": {
                "get": _order_get(
                    "Tracking",
                    {"200": _json(obj, "tracking with events, newest first")},
                    (409, "not_shipped"),
                )
            },
            "/v1/orders/{order_number}/cancel": {
                "post": _order_post(
                    "Cancel before shipping",
                    {"200": _json(obj, "order, fee, refund")},
                    (409, "already_shipped | already_cancelled | already_delivered"),
                    _REUSED,
                    body=_body(
                        {"type": "object", "properties": {"reason": _str()}}, required=False
                    ),
                )
            },
            "/v1/orders/{order_number}/address": {
                "post": _order_post(
                    "Change the shipping address before packing",
                    {"200": _json(obj, "order and new_eta")},
                    (409, "already_packed | order_cancelled"),
                    (422, "invalid_address"),
                    body=_body({"$ref": "#/components/schemas/Address"}),
                )
            },
            "/v1/orders/{order_number}/returns": {
                "post": _order_post(
                    "Start a return within 30 days of delivery",
                    {"201": _json(obj, "return with label and refund")},
                    (409, "not_delivered | return_window_expired | return_exists"),
                    (422, "invalid_items"),
                    body=_body(
                        {
                            "type": "object",
                            "required": ["items", "reason"],
                            "properties": {
                                "reason": _str(),
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "sku": _str(),
                                            "quantity": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        }
                    ),
                )
            },
            "/v1/orders/{order_number}/refund": {
                "get": _order_get(
                    "Refund status",
                    {"200": _json(obj, "refund")},
                )
            },
            "/v1/orders/{order_number}/invoice": {
                "get": _order_get(
                    "Invoice link",
                    {"200": _json(obj, "invoice_number and url")},
                    (409, "not_invoiced"),
                )
            },
            "/v1/admin/faults": {
                "get": _op(
                    "Current faults",
                    {"200": _json(obj, "latency_ms, error_rate")},
                    *_FAULTS_OFF,
                ),
                "put": _op(
                    "Change faults at runtime",
                    {"200": _json(obj, "current faults")},
                    _BAD,
                    *_FAULTS_OFF,
                    requestBody=_body(
                        {
                            "type": "object",
                            "properties": {
                                "latency_ms": {"type": "integer", "minimum": 0},
                                "error_rate": {"type": "number", "minimum": 0, "maximum": 1},
                            },
                        }
                    ),
                ),
            },
        },
    }
