"""Removes personal metadata (EXIF with GPS, XMP, IPTC, comments) from uploaded images.

Done without re-encoding: JPEG segments, PNG chunks and WebP RIFF chunks that carry metadata are
dropped, the picture data is copied as it is. A JPEG's EXIF orientation is the one tag kept (in a
minimal EXIF block), because OCR needs the picture the right way up. PDFs and documents pass
unchanged. A JPEG is walked as libjpeg reads it (fill bytes and stray bytes before a marker
skipped, every scan followed to the end marker, whatever comes after it dropped), so no reader
finds metadata the walk missed. It fails closed: an image whose structure cannot be followed
raises ``InvalidInput`` and is never stored as sent. Input is assumed to have passed
``uploads.checks.inspect``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from io import BytesIO

from PIL import Image

from foodscan.errors import InvalidInput
from foodscan.recognition.reading import images
from foodscan.uploads import jpeg

_ORIENTATION_TAG = 0x0112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})
_WEBP_DROP = frozenset({b"EXIF", b"XMP "})
_VP8X_EXIF_XMP_FLAGS = 0x08 | 0x04


def strip_metadata(data: bytes, media_type: str, walked: jpeg.Walk | None = None) -> bytes:
    """``data`` without its metadata; unchanged for PDFs and documents.

    ``walked`` is a JPEG's walk already made (``uploads.checks.accept``), so the file is walked
    once. Raises ``InvalidInput`` when an image's structure cannot be followed far enough to be
    sure its metadata is gone.
    """
    strip = _STRIPPERS.get(media_type)
    if strip is None:
        return data
    try:
        if walked is not None and media_type == "image/jpeg":
            return _strip_walked_jpeg(walked)
        return strip(data)
    except (ValueError, IndexError, struct.error, *images.DECODE_ERRORS) as exc:
        kind = media_type.removeprefix("image/").upper()
        raise InvalidInput(
            f"the {kind} file's structure could not be followed to remove its metadata "
            "(EXIF, GPS): save it again and resend it"
        ) from exc


def _orientation_exif(data: bytes) -> bytes | None:
    """A minimal EXIF block holding only the orientation, when it is not the default."""
    with Image.open(BytesIO(data)) as image:
        orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    if orientation in (None, 1):
        return None
    exif = Image.Exif()
    exif[_ORIENTATION_TAG] = orientation
    return exif.tobytes()


def _jpeg_segments(found: jpeg.Walk) -> tuple[list[memoryview], bool]:
    """The segments and scans to keep (metadata dropped, up to and with the end marker), as
    views of the file, and whether an EXIF block was dropped."""
    view = memoryview(found.data)
    kept, had_exif = [], False
    for marker, start, end in found.spans:
        metadata = marker == jpeg.COM or (
            jpeg.APP1 <= marker <= jpeg.APP15 and marker != jpeg.APP14
        )
        had_exif = had_exif or (
            marker == jpeg.APP1 and found.data[start + 4 : start + 10] == b"Exif\x00\x00"
        )
        if not metadata:
            kept.append(view[start:end])
    return kept, had_exif


def _strip_jpeg(data: bytes) -> bytes:
    return _strip_walked_jpeg(jpeg.walk(data))


def _strip_walked_jpeg(found: jpeg.Walk) -> bytes:
    kept, had_exif = _jpeg_segments(found)
    orientation = _orientation_exif(found.data) if had_exif else None
    if orientation is None:
        return b"".join(kept)  # one copy, of what is kept
    block = b"Exif\x00\x00" + orientation.removeprefix(b"Exif\x00\x00")
    app1 = b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block
    # Right after SOI, or after SOI and a JFIF APP0.
    at = 2 if len(kept) > 1 and kept[1][1] == jpeg.APP0 else 1
    parts: list[bytes | memoryview] = [*kept]
    parts.insert(min(at, len(parts)), app1)
    return b"".join(parts)


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if kind not in _PNG_DROP:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            break
    return b"".join(kept)


def _strip_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks: list[bytes] = []
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        size = struct.unpack("<I", data[position + 4 : position + 8])[0]
        end = position + 8 + size + (size & 1)
        chunk = data[position:end]
        if kind == b"VP8X":
            flags = chunk[8] & ~_VP8X_EXIF_XMP_FLAGS
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind not in _WEBP_DROP:
            chunks.append(chunk)
        position = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


_STRIPPERS: dict[str, Callable[[bytes], bytes]] = {
    "image/jpeg": _strip_jpeg,
    "image/png": _strip_png,
    "image/webp": _strip_webp,
}
