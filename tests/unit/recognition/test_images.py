"""Image decoding: upright RGB out, EXIF orientation applied, bombs and damage refused."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from PIL import Image

from foodscan.errors import UnreadableFile
from foodscan.recognition.reading.images import (
    DECODE_PIXELS,
    PixelBudget,
    check_pixels,
    decode_image,
    job_budget,
    read_size,
)

MAX_PIXELS = 10_000_000


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_exif_orientation_is_applied() -> None:
    # Stored 40 wide x 20 high with "rotate 90 CW" (orientation 6): upright it is 20 x 40.
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 10, 20))  # a red band on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6
    decoded = decode_image(encode(image, "JPEG", exif=exif, quality=95), max_pixels=MAX_PIXELS)
    assert decoded.size == (20, 40)
    pixel = decoded.getpixel((10, 2))  # the band is now along the top
    assert isinstance(pixel, tuple)
    red, green, _ = pixel
    assert red > 200
    assert green < 80


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16"])
def test_any_mode_comes_out_rgb(mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    decoded = decode_image(encode(Image.new(mode, (8, 8)), fmt), max_pixels=MAX_PIXELS)
    assert decoded.mode == "RGB"
    assert decoded.size == (8, 8)


def test_transparency_is_flattened_onto_white() -> None:
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    decoded = decode_image(encode(clear, "PNG"), max_pixels=MAX_PIXELS)
    assert decoded.getpixel((4, 4)) == (255, 255, 255)


def test_webp_decodes() -> None:
    decoded = decode_image(encode(Image.new("RGB", (30, 10), "blue"), "WEBP"), max_pixels=300)
    assert decoded.size == (30, 10)


def test_image_over_the_pixel_limit_is_refused_before_decoding() -> None:
    data = encode(Image.new("RGB", (100, 100)), "PNG")
    assert read_size(data) == (100, 100)
    with pytest.raises(UnreadableFile, match="100x100 pixels"):
        decode_image(data, max_pixels=9_999)
    assert check_pixels(100, 100, 10_000) is None


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"\xff\xd8\xff\xe0garbage"])
def test_unreadable_bytes_raise_unreadable_file(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        decode_image(data, max_pixels=MAX_PIXELS)


def test_truncated_jpeg_raises_unreadable_file() -> None:
    data = encode(Image.effect_noise((300, 200), 50).convert("RGB"), "JPEG")
    with pytest.raises(UnreadableFile, match="could not be decoded"):
        decode_image(data[: len(data) // 2], max_pixels=MAX_PIXELS)


def test_half_transparent_pixels_are_blended_onto_white() -> None:
    grey = Image.new("RGBA", (8, 8), (0, 0, 0, 128))
    pixel = decode_image(encode(grey, "PNG"), max_pixels=MAX_PIXELS).getpixel((4, 4))
    assert isinstance(pixel, tuple)
    red, green, blue = pixel
    assert 120 <= red == green == blue <= 135


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGB"), ("PNG", "RGBA"), ("JPEG", "RGB")])
def test_an_image_over_the_decode_size_is_decoded_reduced(fmt: str, mode: str) -> None:
    # 7070 x 7070 (50 megapixels) decodes at half size in each direction: 12.5 megapixels.
    big = Image.new(mode, (7070, 7070), "white")
    big.paste((0, 0, 0) if mode == "RGB" else (0, 0, 0, 255), (0, 0, 7070, 700))
    decoded = decode_image(encode(big, fmt), max_pixels=50_000_000)
    assert decoded.size == (3535, 3535)
    assert decoded.mode == "RGB"
    assert decoded.size[0] * decoded.size[1] <= DECODE_PIXELS
    band = decoded.getpixel((1000, 100))
    assert isinstance(band, tuple)
    assert band[0] < 30  # the black band, still at the top
    assert decoded.getpixel((1000, 1000)) == (255, 255, 255)


def test_an_image_within_the_decode_size_keeps_every_pixel() -> None:
    data = encode(Image.new("RGB", (6000, 4000), "white"), "JPEG")
    assert decode_image(data, max_pixels=50_000_000).size == (6000, 4000)


def test_a_jobs_budget_bounds_the_pixels_decoding_at_once() -> None:
    side = 1000
    photos = [encode(Image.new("RGB", (side, side), "white"), "PNG") for _ in range(8)]
    budget = PixelBudget(2 * side * side)
    token = job_budget.set(budget)
    try:
        # As the worker's pool does: each call runs in a copy of the job's context.
        calls = [contextvars.copy_context() for _ in photos]
        with ThreadPoolExecutor(len(photos)) as pool:
            decoded = list(
                pool.map(
                    lambda pair: pair[0].run(decode_image, pair[1], max_pixels=MAX_PIXELS),
                    zip(calls, photos, strict=True),
                )
            )
    finally:
        job_budget.reset(token)
    assert [image.size for image in decoded] == [(side, side)] * len(photos)
    assert side * side <= budget.peak <= budget.capacity


def test_an_image_larger_than_the_whole_budget_still_decodes_alone() -> None:
    budget = PixelBudget(100)
    token = job_budget.set(budget)
    try:
        decoded = decode_image(encode(Image.new("RGB", (20, 20)), "PNG"), max_pixels=MAX_PIXELS)
    finally:
        job_budget.reset(token)
    assert decoded.size == (20, 20)
    assert budget.peak == 100
