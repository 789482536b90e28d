"""Customer API: photos (upload, and the customer's own photos and thumbnails)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff.access import authorize
from handoff.attachments import records
from handoff.conversations.validation import optional_client_id
from handoff.errors import BadRequest, NotFound, PayloadTooLarge
from handoff.gateway import services as svc
from handoff.http import file_response, hub_of
from handoff.views import message_view

bp = Blueprint("gateway_photos")
PHOTO = "/api/conversations/<conversation_id:str>/attachments/<attachment_id:str>"


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_large = PayloadTooLarge(f"A photo can be at most {limit // (1024 * 1024)} MB.", limit=limit)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()  # type: ignore[union-attr]
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@bp.post("/api/conversations/<conversation_id:str>/attachments", stream=True)
async def upload_photo(request: Request, conversation_id: str) -> HTTPResponse:
    """The photo is the raw request body (JPEG, PNG or WebP, checked by content, not by the
    Content-Type); `filename` and `client_message_id` (for safe retries) are query arguments."""
    authorize(request, conversation_id)
    hub = hub_of(request)
    data = await _read_limited(request, hub.settings.attachment_max_bytes)
    if not data:
        raise BadRequest("The request body must be the photo.", field="file")
    posted = await svc.accept_photo(
        hub,
        conversation_id=conversation_id,
        data=data,
        filename=request.args.get("filename"),
        client_message_id=optional_client_id(request.args.get("client_message_id")),
    )
    return json(
        {
            "message": message_view(posted.message),
            "replies": [message_view(m) for m in posted.notices],
            "duplicate": not posted.created,
        },
        status=201 if posted.created else 200,
    )


@bp.get(PHOTO, name="customer_photo")
@bp.get(PHOTO + "/thumbnail", name="customer_thumbnail")
async def customer_photo(
    request: Request, conversation_id: str, attachment_id: str
) -> HTTPResponse:
    """The photo, or its thumbnail (the route's name says which)."""
    authorize(request, conversation_id)
    thumbnail = str(request.name).endswith("thumbnail")
    hub = hub_of(request)
    async with hub.db.session() as session:
        attachment = await records.get(session, attachment_id)
    if attachment is None or attachment.conversation_id != conversation_id:
        raise NotFound("No such attachment.")
    key = attachment.storage_key + (records.THUMBNAIL_SUFFIX if thumbnail else "")
    return file_response(
        await hub.attachments.get(key), attachment.content_type, attachment.filename
    )
