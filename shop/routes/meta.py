"""Health and the OpenAPI document (no API key needed)."""

from __future__ import annotations

from sanic import Blueprint

from launcher.serve import add_health_and_openapi
from shop.openapi import openapi_document

bp = Blueprint("meta", url_prefix="/v1")
add_health_and_openapi(bp, "/openapi.json", openapi_document)
