"""scrub.strip_metadata: GPS and other metadata gone, pixels and orientation kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from foodscan.uploads.checks import UploadLimits, inspect
from foodscan.uploads.metadata import strip_metadata

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
LIMITS = UploadLimits(max_bytes=10_000_000, max_pages=5, max_pixels=10_000_000)


def picture() -> Image.Image:
    image = Image.new("RGB", (64, 48), "white")
    image.paste((200, 30, 30), (5, 5, 40, 20))
    return image


def exif(orientation: int = 1) -> Image.Exif:
    tags = Image.Exif()
    tags[MAKE] = "PhoneCo"
    tags[ORIENTATION] = orientation
    tags.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 13.0, 29.0), 3: "E", 4: (21.0, 0.0, 42.0)})
    return tags


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("orientation", [1, 6])
def test_jpeg_loses_gps_and_maker_but_keeps_orientation_and_pixels(orientation: int) -> None:
    original = encoded(picture(), "JPEG", exif=exif(orientation), quality=90)
    assert opened(original).getexif().get_ifd(GPS_IFD)

    clean = strip_metadata(original, "image/jpeg")

    tags = opened(clean).getexif()
    assert not tags.get_ifd(GPS_IFD)
    assert MAKE not in tags
    assert tags.get(ORIENTATION, 1) == orientation
    assert opened(clean).tobytes() == opened(original).tobytes()
    assert inspect(clean, LIMITS).media_type == "image/jpeg"


def test_jpeg_comment_is_dropped() -> None:
    original = encoded(picture(), "JPEG", comment=b"shot at 12 Home Street")
    clean = strip_metadata(original, "image/jpeg")
    assert b"Home Street" in original
    assert b"Home Street" not in clean


def test_png_text_and_exif_chunks_are_dropped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "12 Home Street")
    original = encoded(picture(), "PNG", pnginfo=info, exif=exif())
    clean = strip_metadata(original, "image/png")
    assert b"Home Street" in original
    assert b"Home Street" not in clean
    assert not opened(clean).getexif().get_ifd(GPS_IFD)
    assert opened(clean).tobytes() == opened(original).tobytes()


def test_webp_exif_is_dropped_and_the_file_still_decodes() -> None:
    original = encoded(picture(), "WEBP", exif=exif(), lossless=True)
    clean = strip_metadata(original, "image/webp")
    assert b"PhoneCo" in original
    assert b"PhoneCo" not in clean
    assert opened(clean).tobytes() == opened(original).tobytes()
    assert inspect(clean, LIMITS).media_type == "image/webp"


def test_pdf_and_unparseable_bytes_pass_unchanged() -> None:
    assert strip_metadata(b"%PDF-1.4 whatever", "application/pdf") == b"%PDF-1.4 whatever"
    assert strip_metadata(b"\xff\xd8garbage", "image/jpeg") == b"\xff\xd8garbage"
