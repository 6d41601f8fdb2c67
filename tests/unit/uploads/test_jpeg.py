"""The JPEG walk: the API's structural check refuses what is not whole, without decoding pixels;
a JPEG whole in structure but with data that does not decode passes it and is the worker's to fail.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from PIL import Image

from foodscan.errors import InvalidInput, UnreadableFile
from foodscan.recognition.reading.images import decode_image
from foodscan.uploads import jpeg
from foodscan.uploads.checks import UploadLimits, inspect

LIMITS = UploadLimits(max_bytes=5_000_000, max_pages=3, max_pixels=20_000_000)
DQT = 0xDB


def noisy_jpeg(*, progressive: bool = False) -> bytes:
    buffer = BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(
        buffer, "JPEG", quality=95, progressive=progressive
    )
    return buffer.getvalue()


def without(data: bytes, marker: int) -> bytes:
    return b"".join(part for found, part in jpeg.walk(data).parts if found != marker)


@pytest.mark.parametrize("progressive", [False, True])
def test_a_whole_jpeg_walks_to_its_end_and_reassembles_byte_for_byte(progressive: bool) -> None:
    data = noisy_jpeg(progressive=progressive)

    found = jpeg.walk(data)

    assert (found.frame, found.ended) == (True, True)
    assert found.scans > 1 if progressive else found.scans == 1
    assert b"".join(part for _, part in found.parts) == data
    jpeg.check_whole(data)


def test_fill_bytes_and_stuffed_zeros_inside_a_scan_do_not_end_it() -> None:
    data = noisy_jpeg()
    found = jpeg.walk(data)
    scan = next(part for marker, part in found.parts if marker == 0)
    assert b"\xff\x00" in scan  # noise at quality 95 stuffs many 0xFF bytes
    # A run of fill bytes before the end marker is legal and skipped, as libjpeg does.
    padded = data[:-2] + b"\xff\xff\xff" + data[-2:]
    assert jpeg.walk(padded).ended


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (lambda data: data[: len(data) // 2], "ends before its end-of-image marker"),
        (lambda data: data[:-2], "ends before its end-of-image marker"),
        (lambda data: without(data, jpeg.SOS), "no image data"),
        (lambda data: without(data, 0xC0), "no frame header"),
    ],
)
def test_a_jpeg_that_is_not_whole_is_refused_at_the_edge(
    cut: Callable[[bytes], bytes], reason: str
) -> None:
    damaged = cut(noisy_jpeg())

    with pytest.raises(ValueError, match=reason):
        jpeg.check_whole(damaged)
    # Without a frame the header read already refuses it, in its own words.
    with pytest.raises(InvalidInput, match="damaged or truncated"):
        inspect(damaged, LIMITS)


def test_a_jpeg_whole_in_structure_whose_data_does_not_decode_is_the_workers_to_fail() -> None:
    # No quantisation table: every marker is in place, but no decoder can produce pixels.
    broken = without(noisy_jpeg(), DQT)

    inspected = inspect(broken, LIMITS)  # accepted at the edge: nothing was decoded

    assert inspected.media_type == "image/jpeg"
    with pytest.raises(UnreadableFile, match="could not be decoded"):
        decode_image(broken, max_pixels=LIMITS.max_pixels)
