"""Photo checks by content (magic bytes, then Pillow), and re-encoding that drops metadata.

Whatever the upload claims to be, only JPEG, PNG and WebP whose bytes say so are accepted; the
stored file is a fresh encoding of the pixels (EXIF with GPS positions, comments, text chunks
and colour profiles are gone), with the EXIF orientation applied first so photos stay upright."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from handoff.errors import BadRequest

# format -> (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000  # a 10 MB PNG can hold a decompression bomb; refuse above ~40 MP
THUMBNAIL_SIZE = (320, 320)


@dataclass(frozen=True)
class Photo:
    data: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce (None for anything else)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def unsupported() -> BadRequest:
    return BadRequest(
        "Only JPEG, PNG or WebP photos can be sent.", code="unsupported_type", field="file"
    )


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
    elif kind == "PNG":
        image.save(out, format="PNG", compress_level=6)
    else:
        image.save(out, format="WEBP", quality=85)
    return out.getvalue()


def process(data: bytes) -> Photo:
    """Check and re-encode one upload (CPU-bound: call it in a worker thread)."""
    kind = sniff(data)
    if kind is None:
        raise unsupported()
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise BadRequest(
                    "The photo has too many pixels (at most 40 megapixels).",
                    code="image_too_large",
                    field="file",
                )
            opened.seek(0)  # animated PNG/WebP: the first frame
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except BadRequest:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BadRequest(
            "The file is not a readable photo.", code="invalid_image", field="file"
        ) from None
    if upright.mode == "P":
        upright = upright.convert("RGBA")
    elif upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGB")
    # A pixel copy with no info dictionary: nothing of the original's metadata can be re-emitted.
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    content_type, extension = FORMATS[kind]
    return Photo(
        data=_encode(clean, kind),
        thumbnail=_encode(thumb, kind),
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
    )
