"""Removes personal metadata (EXIF with GPS, XMP, IPTC, comments) from uploaded images.

Done without re-encoding: JPEG segments, PNG chunks and WebP RIFF chunks that carry metadata are
dropped, the picture data is copied as it is. A JPEG's EXIF orientation is the one tag kept (in a
minimal EXIF block), because OCR needs the picture the right way up. PDFs pass unchanged.
Input is assumed to have passed ``uploads.inspect``; malformed structure is returned unchanged.
"""

from __future__ import annotations

import struct
from io import BytesIO

from PIL import Image

_ORIENTATION_TAG = 0x0112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})
_WEBP_DROP = frozenset({b"EXIF", b"XMP "})
_VP8X_EXIF_XMP_FLAGS = 0x08 | 0x04
_JPEG_SOS = 0xDA
_JPEG_APP0 = 0xE0
_JPEG_APP1 = 0xE1
_JPEG_APP15 = 0xEF
_JPEG_COM = 0xFE
_JPEG_APP14 = 0xEE  # Adobe colour transform: needed to decode some CMYK JPEGs


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """``data`` without its metadata; unchanged for PDFs and anything it cannot parse."""
    try:
        if media_type == "image/jpeg":
            return _strip_jpeg(data)
        if media_type == "image/png":
            return _strip_png(data)
        if media_type == "image/webp":
            return _strip_webp(data)
    except (ValueError, struct.error):
        return data
    return data


def _orientation_exif(data: bytes) -> bytes | None:
    """A minimal EXIF block holding only the orientation, when it is not the default."""
    with Image.open(BytesIO(data)) as image:
        orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    if orientation in (None, 1):
        return None
    exif = Image.Exif()
    exif[_ORIENTATION_TAG] = orientation
    return exif.tobytes()


def _strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    kept = [b"\xff\xd8"]
    position = 2
    had_exif = False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[position + 1]
        if marker == _JPEG_SOS:
            break
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segment = data[position : position + 2 + length]
        metadata = marker == _JPEG_COM or (
            _JPEG_APP1 <= marker <= _JPEG_APP15 and marker != _JPEG_APP14
        )
        had_exif = had_exif or (marker == _JPEG_APP1 and segment[4:10] == b"Exif\x00\x00")
        if not metadata:
            kept.append(segment)
        position += 2 + length
    orientation = _orientation_exif(data) if had_exif else None
    if orientation is not None:
        block = b"Exif\x00\x00" + orientation.removeprefix(b"Exif\x00\x00")
        app1 = b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block
        # Right after SOI, or after SOI and a JFIF APP0.
        at = 2 if len(kept) > 1 and kept[1][1] == _JPEG_APP0 else 1
        kept.insert(min(at, len(kept)), app1)
    return b"".join(kept) + data[position:]


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
