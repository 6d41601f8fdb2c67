"""scrub.strip_metadata: GPS and other metadata gone, pixels and orientation kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from foodscan.errors import InvalidInput
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


def test_pdf_passes_unchanged() -> None:
    assert strip_metadata(b"%PDF-1.4 whatever", "application/pdf") == b"%PDF-1.4 whatever"


def with_gps() -> bytes:
    """A JFIF JPEG (SOI, APP0, then the APP1 with EXIF and GPS) as a phone writes it."""
    return encoded(picture(), "JPEG", exif=exif(), quality=90)


def before_app1(data: bytes, extra: bytes) -> bytes:
    """``data`` with ``extra`` between its APP0 segment and the APP1 that holds the EXIF."""
    app0_end = 4 + int.from_bytes(data[4:6], "big")
    assert data[app0_end : app0_end + 2] == b"\xff\xe1"
    return data[:app0_end] + extra + data[app0_end:]


def fill_before_every_marker(data: bytes) -> bytes:
    """Every marker before the scan preceded by a 0xFF fill byte, which JPEG allows."""
    out, position = bytearray(data[:2]), 2
    while data[position + 1] != 0xDA:
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        out += b"\xff" + data[position : position + 2 + length]
        position += 2 + length
    return bytes(out + data[position:])


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(before_app1(with_gps(), b"\xff"), id="one-fill-byte"),
        pytest.param(before_app1(with_gps(), b"\xff\xff\xff"), id="fill-bytes"),
        pytest.param(before_app1(with_gps(), b"\x00"), id="stray-zero"),
        pytest.param(before_app1(with_gps(), b"junk\xff\x00"), id="stray-bytes"),
        pytest.param(fill_before_every_marker(with_gps()), id="fill-everywhere"),
    ],
)
def test_jpeg_that_decoders_accept_loses_its_gps(hostile: bytes) -> None:
    # The GPS is really there for any reader: Pillow (and libjpeg) skip these bytes.
    assert opened(hostile).getexif().get_ifd(GPS_IFD)

    clean = strip_metadata(hostile, "image/jpeg")

    assert b"PhoneCo" not in clean
    assert not opened(clean).getexif().get_ifd(GPS_IFD)
    assert opened(clean).tobytes() == opened(hostile).tobytes()


def test_jpeg_drops_what_follows_its_end_marker() -> None:
    # Motion photos and MPF files append whole JPEGs, each with its own EXIF and GPS.
    original = with_gps() + with_gps()
    clean = strip_metadata(original, "image/jpeg")
    assert b"PhoneCo" not in clean
    assert clean.endswith(b"\xff\xd9")
    assert opened(clean).tobytes() == opened(original).tobytes()


def test_jpeg_metadata_between_progressive_scans_is_dropped() -> None:
    original = encoded(picture(), "JPEG", progressive=True, exif=exif())
    sos = original.index(b"\xff\xda")
    second_scan = original.index(b"\xff\xc4", sos)  # a table before the second scan
    comment = b"\xff\xfe\x00\x16shot at Home Street!"
    hostile = original[:second_scan] + comment + original[second_scan:]
    clean = strip_metadata(hostile, "image/jpeg")
    assert b"Home Street" not in clean
    assert opened(clean).tobytes() == opened(original).tobytes()


def test_jpeg_whose_structure_cannot_be_followed_is_refused_not_stored() -> None:
    # Segments run past the end of the file: nothing to strip reliably, so nothing to store.
    hostile = with_gps()[:20] + b"\xff\xe1\xff\xf0Exif\x00\x00PhoneCo"
    with pytest.raises(InvalidInput, match="metadata"):
        strip_metadata(hostile, "image/jpeg")
