"""Customers' photos: content checks, metadata stripped by re-encoding, the file store, who may
see them (the conversation's agents, the customer's own token, nobody else), the handoff context."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image, PngImagePlugin

from tests.support.handoff_service import Service, auth

SECRET = "GPS 52.5200 N 13.4050 E, my home"


def jpeg_with_exif(size: tuple[int, int] = (640, 480), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x0112] = orientation  # rotate 90° on display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=SECRET.encode())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    out = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 120, 200, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 200, 10)).save(out, format="WEBP")
    return out.getvalue()


async def upload(
    service: Service, conv: dict[str, str], data: bytes, **params: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/attachments",
        params=params,
        headers={**auth(conv["token"]), "Content-Type": "image/jpeg"},
        content=data,
    )
    return r.status_code, r.json()


async def handed_off(service: Service) -> tuple[dict[str, str], int]:
    conv = await service.conversation(language="en")
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "1", "text": "I need a human"},
    )
    assert r.status_code == 201
    admin = await service.user(f"boss-{conv['conversation_id']}@shop.example", role="admin")
    handoffs = (await service.http.get("/api/handoffs", headers=auth(admin["token"]))).json()
    hid = next(
        h["id"] for h in handoffs["handoffs"] if h["conversation_id"] == conv["conversation_id"]
    )
    return conv, hid


async def test_photo_is_re_encoded_without_metadata_and_reaches_only_its_agents(
    service_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "photos-elsewhere"
    service: Service = await service_factory(attachments_dir=str(store))
    conv, hid = await handed_off(service)
    status, body = await upload(
        service, conv, jpeg_with_exif(), filename="../../etc/damaged parcel.JPG"
    )
    assert status == 201, body
    message = body["message"]
    attachment = message["attachment"]
    assert message["role"] == "customer" and message["text"] == "[photo: damaged parcel.jpg]"
    assert attachment["filename"] == "damaged parcel.jpg"
    assert attachment["content_type"] == "image/jpeg"
    # the EXIF orientation was applied before the metadata was dropped
    assert (attachment["width"], attachment["height"]) == (480, 640)
    aid = attachment["id"]
    assert attachment["url"] == f"/api/conversations/{conv['conversation_id']}/attachments/{aid}"

    # the file is in the configured folder, and carries none of the original's metadata
    files = sorted(p.name for p in store.rglob("*") if p.is_file())
    assert files == [f"{aid}.jpg", f"{aid}.jpg.thumb"]
    stored = (store / conv["conversation_id"] / f"{aid}.jpg").read_bytes()
    assert SECRET.encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert len(image.getexif()) == 0 and "comment" not in image.info

    agent = await service.user("sam@shop.example")
    analyst = await service.user("ann@shop.example", role="analyst")
    listed = await service.http.get(
        f"/api/handoffs/{hid}/attachments", headers=auth(agent["token"])
    )
    assert listed.status_code == 200
    [item] = listed.json()["attachments"]
    assert item["url"] == f"/api/attachments/{aid}"
    assert item["thumbnail_url"] == f"/api/attachments/{aid}/thumbnail"
    full = await service.http.get(item["url"], headers=auth(agent["token"]))
    thumb = await service.http.get(item["thumbnail_url"], headers=auth(agent["token"]))
    assert full.status_code == thumb.status_code == 200
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.content == stored
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) <= 320
    # the agents' view of the transcript carries the agents' URLs
    detail = (await service.http.get(f"/api/handoffs/{hid}", headers=auth(agent["token"]))).json()
    photo_messages = [m for m in detail["messages"] if m["attachment"]]
    assert photo_messages[0]["attachment"]["url"] == f"/api/attachments/{aid}"
    assert detail["context"]["attachments"][0]["id"] == aid  # uploaded during the handoff

    # nobody else: no login, an analyst, a customer token (own or another conversation's)
    other = await service.conversation(language="en")
    async with httpx.AsyncClient(base_url=service.url) as anonymous:  # no session cookie
        assert (await anonymous.get(item["url"])).status_code == 401
    assert (await service.http.get(item["url"], headers=auth(analyst["token"]))).status_code == 403
    assert (await service.http.get(item["url"], headers=auth(conv["token"]))).status_code == 401
    own = await service.http.get(attachment["url"], headers=auth(conv["token"]))
    assert own.status_code == 200 and own.content == stored
    stolen = await service.http.get(attachment["url"], headers=auth(other["token"]))
    assert stolen.status_code == 403 and stolen.json()["code"] == "forbidden"
    via_own = await service.http.get(
        f"/api/conversations/{other['conversation_id']}/attachments/{aid}/thumbnail",
        headers=auth(other["token"]),
    )
    assert via_own.status_code == 404


async def test_type_is_checked_by_content_not_by_name_or_header(service: Service) -> None:
    conv = await service.conversation(language="en")
    status, body = await upload(service, conv, png_with_text(), filename="holiday.jpg")
    assert status == 201
    assert body["message"]["attachment"]["content_type"] == "image/png"
    assert body["message"]["attachment"]["filename"] == "holiday.png"
    # not handed off yet: the customer is told the photo is kept for a colleague
    assert "colleague" in body["replies"][0]["text"]
    status, body = await upload(service, conv, webp(), filename="x.webp")
    assert status == 201 and body["message"]["attachment"]["content_type"] == "image/webp"

    pdf = b"%PDF-1.7\n" + b"0" * 1000
    gif = b"GIF89a" + b"\x00" * 100
    for data in (pdf, gif, b"<svg onload=alert(1)></svg>", b"\xff\xd8\xff" + b"junk" * 50):
        status, body = await upload(service, conv, data, filename="evil.jpg")
        assert status == 400, body
        assert body["code"] in ("unsupported_type", "invalid_image")
        assert body["field"] == "file"
    status, body = await upload(service, conv, b"")
    assert status == 400


async def test_size_limit_and_retries(service_factory) -> None:  # type: ignore[no-untyped-def]
    service: Service = await service_factory(attachment_max_bytes=50_000)
    conv = await service.conversation(language="en")
    big = io.BytesIO()
    noise = Image.effect_noise((400, 400), 90).convert("RGB")
    noise.save(big, format="PNG")
    assert len(big.getvalue()) > 50_000
    status, body = await upload(service, conv, big.getvalue())
    assert status == 413 and body["code"] == "too_large"
    data = jpeg_with_exif((100, 80), orientation=1)
    first = await upload(service, conv, data, client_message_id="photo-1")
    again = await upload(service, conv, data, client_message_id="photo-1")
    assert first[0] == 201 and again[0] == 200 and again[1]["duplicate"] is True
    assert again[1]["message"]["seq"] == first[1]["message"]["seq"]
    r = await service.http.get(
        f"/api/conversations/{conv['conversation_id']}/messages", headers=auth(conv["token"])
    )
    assert [m["attachment"]["id"] for m in r.json()["messages"] if m["attachment"]] == [
        first[1]["message"]["attachment"]["id"]
    ]


async def test_photos_sent_to_the_bot_are_listed_in_the_handoff_context(service: Service) -> None:
    conv = await service.conversation(language="en")
    status, body = await upload(service, conv, jpeg_with_exif((120, 90), 1), filename="box.jpg")
    assert status == 201
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "2", "text": "I need a human"},
    )
    assert r.status_code == 201
    admin = await service.user("root@shop.example", role="admin")
    [handoff] = (await service.http.get("/api/handoffs", headers=auth(admin["token"]))).json()[
        "handoffs"
    ]
    detail = (
        await service.http.get(f"/api/handoffs/{handoff['id']}", headers=auth(admin["token"]))
    ).json()
    [listed] = detail["context"]["attachments"]
    assert listed["filename"] == "box.jpg" and listed["seq"] == body["message"]["seq"]
