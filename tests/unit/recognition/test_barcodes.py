"""Barcodes: zxing-cpp on rendered codes, the GS1 check digit, printed digits, catalogue keys."""

from __future__ import annotations

import pytest
from PIL import Image

from foodscan.recognition.products.barcodes import Barcode, decode, from_text, gtin_key, gtin_valid
from tests.unit.recognition.product_images import barcode_image


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("5901234123457", "EAN-13", Barcode("EAN-13", "5901234123457", "image")),
        ("96385074", "EAN-8", Barcode("EAN-8", "96385074", "image")),
        ("https://example.org/p/1", "QR", Barcode("QR", "https://example.org/p/1", "image")),
    ],
)
def test_a_rendered_code_is_decoded(text: str, fmt: str, expected: Barcode) -> None:
    assert decode(barcode_image(text, fmt)) == [expected]


def test_a_upc_a_code_is_read_with_its_gtin_13_key() -> None:
    found = decode(barcode_image("036000291452", "UPC-A"))
    assert [gtin_key(code.text) for code in found] == ["0036000291452"]


def test_a_slightly_rotated_code_is_still_decoded() -> None:
    tilted = barcode_image("5901234123457").rotate(
        8, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC
    )
    assert [code.text for code in decode(tilted)] == ["5901234123457"]


def test_a_blank_image_has_no_code() -> None:
    assert decode(Image.new("RGB", (300, 200), "white")) == []


def test_the_check_digit_is_verified() -> None:
    assert gtin_valid("5901234123457")
    assert gtin_valid("96385074")
    assert gtin_valid("036000291452")
    assert not gtin_valid("5901234123458")
    assert not gtin_valid("59012341234")  # 11 digits: no GTIN
    assert not gtin_valid("590123412345x")


def test_printed_digits_become_a_code_only_with_a_right_check_digit() -> None:
    rows = ["9 780804 816632", "PRICE 14.95", "5901234123458", "tel 123 456 789"]
    assert from_text(rows) == [Barcode("EAN-13", "9780804816632", "text")]


def test_catalogue_keys_make_upc_a_and_gtin_14_thirteen_digits() -> None:
    assert gtin_key("036000291452") == "0036000291452"
    assert gtin_key("05901234123457") == "5901234123457"
    assert gtin_key(" 96385074 ") == "96385074"
    assert gtin_key("https://x.example") == "https://x.example"
