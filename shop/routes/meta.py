"""Health and the OpenAPI document (no API key needed)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from shop.openapi import openapi_document

bp = Blueprint("meta", url_prefix="/v1")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@bp.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    return json(openapi_document())
