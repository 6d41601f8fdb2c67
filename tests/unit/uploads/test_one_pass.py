"""One pass over an upload (issue 17): ``checks.accept`` answers what ``inspect`` and then
``strip_metadata`` answered, walking a JPEG once; the walk records spans, not copies."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from foodscan.errors import InvalidInput, UnsupportedType
from foodscan.uploads import jpeg
from foodscan.uploads.checks import UploadLimits, accept, inspect
from foodscan.uploads.metadata import strip_metadata

LIMITS = UploadLimits(max_bytes=5_000_000, max_pages=3, max_pixels=20_000_000)
ORIENTATION = 0x0112
GPS_IFD = 0x8825
ALL = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain"})


def photo(fmt: str = "JPEG", *, orientation: int | None = None, comment: bytes = b"") -> bytes:
    image = Image.effect_noise((160, 120), 40).convert("RGB")
    params: dict[str, object] = {}
    if orientation is not None:
        tags = Image.Exif()
        tags[ORIENTATION] = orientation
        tags.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 13.0, 29.0)})
        params["exif"] = tags
    if comment:
        params["comment"] = comment
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


CASES = {
    "jpeg": (photo(), "image/jpeg"),
    "jpeg-exif-gps-rotated": (photo(orientation=6), "image/jpeg"),
    "jpeg-exif-upright": (photo(orientation=1), "image/jpeg"),
    "jpeg-comment": (photo(comment=b"taken at home"), "image/jpeg"),
    "png": (photo("PNG"), "image/png"),
    "webp": (photo("WEBP"), "image/webp"),
    "text": (b"2 eggs\n1 cup of milk\n", "text/plain"),
}


@pytest.mark.parametrize(("data", "media_type"), CASES.values(), ids=CASES.keys())
def test_accept_answers_what_inspect_then_strip_answered(data: bytes, media_type: str) -> None:
    inspected, clean = accept(data, LIMITS, ALL)

    assert inspected == inspect(data, LIMITS)
    assert inspected.media_type == media_type
    assert clean == strip_metadata(data, media_type)


def test_the_stored_jpeg_keeps_its_orientation_and_loses_gps_and_comments() -> None:
    original = photo(orientation=6, comment=b"secret place")

    _, clean = accept(original, LIMITS, ALL)

    assert clean is not None
    assert b"secret place" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        tags = image.getexif()
        assert tags.get(ORIENTATION) == 6
        assert not tags.get_ifd(GPS_IFD)


def test_a_type_the_kind_does_not_take_is_described_but_not_stripped() -> None:
    inspected, clean = accept(photo("PNG"), LIMITS, {"image/jpeg"})

    assert (inspected.media_type, clean) == ("image/png", None)


def test_accept_refuses_what_inspect_refuses() -> None:
    truncated = photo()[:-2]
    with pytest.raises(InvalidInput, match="end-of-image"):
        accept(truncated, LIMITS, ALL)
    with pytest.raises(UnsupportedType):
        accept(b"\x00\x01 not a picture", LIMITS, ALL)


def test_a_walk_holds_spans_of_the_file_that_reassemble_it() -> None:
    data = photo(orientation=3, comment=b"c")

    found = jpeg.walk(data)

    assert found.data is data
    starts = [start for _, start, _ in found.spans]
    ends = [end for _, _, end in found.spans]
    assert starts[0] == 0
    assert ends[-1] == len(data)
    assert starts[1:] == ends[:-1]  # contiguous: nothing skipped, nothing copied twice
    assert b"".join(part for _, part in found.parts) == data
