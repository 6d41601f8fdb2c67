"""Codes the whole photo does not give: found by their bars' edges, cut out upright and read
in voting variants, or by the digits printed beside them; and reported in their own format."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from foodscan.recognition.products.barcodes import Barcode, decode, from_text
from foodscan.recognition.products.bars import bar_regions, digit_bands
from foodscan.recognition.products.photo import _refereed, printed_codes
from foodscan.recognition.reading.ocr import RapidOcrEngine
from tests.unit.recognition.conftest import load_font
from tests.unit.recognition.product_images import barcode_image, on_pack


@pytest.mark.parametrize("angle", [40.0, 45.0, 135.0])
def test_a_code_at_a_steep_angle_is_found_by_its_bars(angle: float) -> None:
    photo = on_pack(barcode_image("5901234123457", scale=3), angle)
    assert [code.text for code in decode(photo)] == ["5901234123457"]


def test_a_region_is_cut_out_upright_with_its_digits() -> None:
    photo = on_pack(barcode_image("96385074", "EAN-8", scale=3, digits=True), 40.0)
    regions = bar_regions(photo)
    assert regions
    # Upright: the cut-out's rows cross the bars, so zxing reads it without turning it.
    assert any(code.text == "96385074" for code in decode(regions[0]))


def test_a_blurred_code_is_read_from_its_region_sharpened() -> None:
    bars = barcode_image("4006381333931", scale=2).filter(ImageFilter.GaussianBlur(1.4))
    photo = on_pack(bars, size=(1400, 1000))
    assert [code.text for code in decode(photo)] == ["4006381333931"]


def test_upc_a_is_reported_as_upc_a_with_its_gtin_for_the_catalogue() -> None:
    found = decode(barcode_image("036000291452", "UPC-A"))
    assert found == [Barcode("UPC-A", "036000291452", "image")]
    assert found[0].gtin == "0036000291452"


def test_upc_e_is_reported_by_its_eight_digits_and_expanded_for_the_catalogue() -> None:
    found = decode(barcode_image("01234565", "UPC-E"))
    assert found == [Barcode("UPC-E", "01234565", "image")]
    assert found[0].gtin == "0012345000065"


def test_an_ean_13_not_starting_with_0_stays_ean_13() -> None:
    assert decode(barcode_image("5901234123457")) == [Barcode("EAN-13", "5901234123457", "image")]


def test_printed_digits_are_given_their_own_format() -> None:
    rows = ["0 36000 29145 2", "0 1234565", "9638 5074", "0 036000 291452"]
    assert from_text(rows) == [
        Barcode("UPC-A", "036000291452", "text"),
        Barcode("UPC-E", "01234565", "text"),
        Barcode("EAN-8", "96385074", "text"),
    ]


def test_the_digits_beside_unreadable_bars_are_read_from_the_region(
    ocr_engine: RapidOcrEngine,
) -> None:
    # Bars smeared across (a moving hand) above digits that stay legible.
    smeared = barcode_image("5901234123457", scale=4).filter(ImageFilter.BoxBlur(12))
    bars = Image.new("RGB", (smeared.width, smeared.height + 70), "white")
    bars.paste(smeared, (0, 0))
    ImageDraw.Draw(bars).text(
        (20, smeared.height + 5), "5 901234 123457", fill="black", font=load_font(38)
    )
    photo = on_pack(bars, 35.0, size=(1100, 800))
    assert decode(photo) == []
    found = printed_codes(photo, [], ocr_engine)
    assert [(code.text, code.source) for code in found] == [("5901234123457", "text")]


def test_the_bar_region_decides_between_bars_and_printed_digits() -> None:
    photo = on_pack(barcode_image("4006381333931", scale=3), 20.0)
    misread = [Barcode("EAN-13", "5901234123457", "image")]  # what a blurred decode might say
    printed = [Barcode("EAN-13", "4006381333931", "text")]
    regions = lambda: bar_regions(photo)  # noqa: E731 - the lazy regions read_photo passes
    assert _refereed(misread, printed, regions) == printed
    assert _refereed(printed, misread, regions) == printed


def test_a_blank_photo_has_no_bar_region() -> None:
    assert bar_regions(Image.new("RGB", (640, 480), (200, 190, 180))) == []


def test_digit_bands_are_thin_strips_beside_the_bars_and_none_without_bars() -> None:
    code = barcode_image("96385074", "EAN-8", scale=4, digits=True)
    bands = digit_bands(code)
    assert len(bands) == 3
    assert all(band.height < code.height / 2 for band in bands)
    assert all(band.width <= code.width for band in bands)
    assert digit_bands(Image.new("RGB", (400, 300), "white")) == []


def _smeared(image: Image.Image, length: int) -> Image.Image:
    """A horizontal smear of ``length`` pixels across the bars (a hand moving)."""
    pixels = np.asarray(image, dtype=np.float32)
    smeared = sum(np.roll(pixels, shift, axis=1) for shift in range(length)) / length
    return Image.fromarray(np.asarray(smeared).clip(0, 255).astype(np.uint8))


@pytest.mark.parametrize(
    ("text", "fmt", "angle"),
    [("96385074", "EAN-8", 0.0), ("96385074", "EAN-8", 25.0), ("5901234123457", "EAN-13", 0.0)],
)
def test_digits_under_smeared_bars_are_read_from_their_band(
    ocr_engine: RapidOcrEngine, text: str, fmt: str, angle: float
) -> None:
    # Bars smeared across beyond reading, small digits under them: OCR of the whole cut-out
    # misses the digits, two reads of the tight bands under the bars agree on them.
    photo = on_pack(_smeared(barcode_image(text, fmt, scale=2, digits=True), 4), angle, (600, 450))
    # The bars' deblurred profile (``scanline``) reads some of these; never another code.
    assert decode(photo) in ([], [Barcode(fmt, text, "image")])
    found = printed_codes(photo, [], ocr_engine)
    assert [(code.text, code.source) for code in found] == [(text, "text")]


def test_guard_bars_read_as_marks_between_the_digit_groups_do_not_split_a_code() -> None:
    rows = ['0"870592=7', "4695#7955", "5 901234|123457", "9638:5074"]
    assert [code.text for code in from_text(rows)] == [
        "08705927",
        "46957955",
        "5901234123457",
        "96385074",
    ]
