"""Barcodes on product photos: EAN-13, EAN-8, UPC-A, UPC-E and QR codes.

``decode`` reads the bars with ``zxing-cpp``; when a photo is blurred or at an angle it tries a
few cheap variants (sharpened and smaller, slightly rotated) before giving up. ``from_text``
reads the digits printed under the bars (from OCR lines) and keeps only digit runs whose GS1
check digit is right, so a price or a date is not taken for a code. ``gtin_key`` is the form
the product catalogue is keyed by. Calls are synchronous and CPU-bound; nothing loads on import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import zxingcpp
from PIL import Image, ImageFilter

Source = Literal["image", "text"]

_FORMATS = {
    zxingcpp.BarcodeFormat.EAN13: "EAN-13",
    zxingcpp.BarcodeFormat.EAN8: "EAN-8",
    zxingcpp.BarcodeFormat.UPCA: "UPC-A",
    zxingcpp.BarcodeFormat.UPCE: "UPC-E",
    zxingcpp.BarcodeFormat.QRCode: "QR",
}
_WANTED = zxingcpp.barcode_formats_from_str("EAN13,EAN8,UPCA,UPCE,QRCode")
_BY_LENGTH = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}
# Variants tried, in order, when the photo as it is gives nothing. Measured on the 41 zxing
# sample photos (bench/eval_products.py): as-is 29; sharpened at 3/4 size and +-10 degrees add
# the blurred and tilted ones; larger scales and other binarizers added none.
_SCALES = (0.75,)
_ANGLES = (-10.0, 10.0)
_MAX_SIDE = 2000
# Digits under the bars as OCR reads them: groups split by spaces (and stray quote marks).
_DIGIT_RUN = re.compile(r"(?<![\d.,])\d(?:[\d \"'`]{5,22})\d(?![\d.,])")


@dataclass(frozen=True, slots=True)
class Barcode:
    """One code found on a photo: its symbology, its text and whether it came from the bars
    (``image``) or from the digits printed under them (``text``)."""

    format: str
    text: str
    source: Source


def gtin_valid(digits: str) -> bool:
    """Whether ``digits`` (8, 12, 13 or 14 of them) end with a right GS1 check digit."""
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_key(code: str) -> str:
    """The catalogue key of a retail code: EAN-8 as it is, UPC-A and GTIN-14 as 13 digits.

    Other text (a QR code's URL, say) is returned stripped, unchanged.
    """
    text = code.strip()
    if not text.isdigit():
        return text
    if len(text) == 12:
        return "0" + text
    if len(text) == 14 and text.startswith("0"):
        return text[1:]
    return text


def _found(image: Image.Image) -> list[Barcode]:
    out = []
    for result in zxingcpp.read_barcodes(image, formats=_WANTED):
        name = _FORMATS.get(result.format)
        if name is not None and result.text:
            out.append(Barcode(name, result.text, "image"))
    return out


def _variants(image: Image.Image) -> Iterator[Image.Image]:
    gray = image.convert("L")
    if max(gray.size) > _MAX_SIDE:
        gray.thumbnail((_MAX_SIDE, _MAX_SIDE), Image.Resampling.LANCZOS)
    for scale in _SCALES:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        small = gray.resize(size, Image.Resampling.LANCZOS)
        yield small.filter(ImageFilter.UnsharpMask(radius=3, percent=200, threshold=2))
    for angle in _ANGLES:
        yield gray.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def decode(image: Image.Image) -> list[Barcode]:
    """The codes zxing-cpp reads in ``image``, each once; the variants only if none is found."""
    found = _found(image)
    if not found:
        for variant in _variants(image):
            found = _found(variant)
            if found:
                break
    return unique(found)


def from_text(texts: Iterable[str]) -> list[Barcode]:
    """EAN/UPC codes printed as digits in ``texts`` (OCR rows), check digit verified."""
    out = []
    for text in texts:
        for match in _DIGIT_RUN.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if len(digits) in _BY_LENGTH and gtin_valid(digits):
                out.append(Barcode(_BY_LENGTH[len(digits)], digits, "text"))
    return unique(out)


def unique(codes: Iterable[Barcode]) -> list[Barcode]:
    """``codes`` without repeats of one code (by catalogue key), the first kept."""
    seen: set[str] = set()
    out = []
    for code in codes:
        key = gtin_key(code.text)
        if key not in seen:
            seen.add(key)
            out.append(code)
    return out
