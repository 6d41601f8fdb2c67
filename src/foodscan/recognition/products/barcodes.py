"""Barcodes on product photos: EAN-13, EAN-8, UPC-A, UPC-E and QR codes.

``decode`` reads the bars with ``zxing-cpp``. When the photo as it is gives nothing, it reads
the regions that look like bars (``bars.bar_regions``: cut out, turned upright, scaled) in a
few variants (sizes, sharpened, two binarizers) and keeps the code most variants agree on, so
one variant's misread does not win; then a few variants of the whole photo (sharpened and
smaller, slightly rotated); then the regions' bar profiles, deblurred (``scanline``), by vote.
A single 8-digit code read from the whole photo is checked against its region's variants.
``from_text`` reads the digits printed under the bars (from OCR lines) and keeps only digit
runs whose GS1 check digit is right, so a price or a date is not taken for a code.

Each code is reported in its own symbology: a UPC-A as its 12 digits (zxing-cpp reads it as an
EAN-13 with a leading 0), a UPC-E as its 8. ``Barcode.gtin`` (``gtin_key``, with UPC-E
expanded) is the form the product catalogue is keyed by. Calls are synchronous and
CPU-bound; nothing loads on import.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import zxingcpp
from PIL import Image, ImageFilter

from foodscan.recognition.products.bars import bar_regions
from foodscan.recognition.products.scanline import deblurred_images

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
# GS1-8 prefixes 0 and 1 are not issued for retail EAN-8 codes, while every UPC-E starts with
# its number system 0 or 1: eight printed digits so begun, right as a UPC-E, are one.
_UPCE_SYSTEMS = "01"
# Variants tried, in order, when the photo as it is gives nothing. Measured on the 41 zxing
# sample photos (bench/eval_products.py): as-is 29; sharpened at 3/4 size and +-10 degrees add
# the blurred and tilted ones; larger scales and other binarizers added none.
_SCALES = (0.75,)
_ANGLES = (-10.0, 10.0)
_MAX_SIDE = 2000
# The variants of a cut-out region (``bars.bar_regions``): widths in pixels, each plain and
# sharpened, each with zxing-cpp's local and its fixed-threshold binarizer (blurred bars turn
# grey; a fixed threshold splits them where the local one sees noise).
_REGION_WIDTHS = (400, 800)
_AGREED = 3  # variants that agree, with none dissenting, settle a region early
_PROFILE_REGIONS = 2  # regions whose deblurred profiles are read (``scanline``)
_PROFILE_AGREED = 2  # deblurred reads that must name a code, more than name any other
# A code of eight digits read once from the whole photo is checked against its bar region's
# variants: a UPC-E carries no check digit of its own (its parity pattern stands for it), and
# a misread that keeps the pattern right names another valid code.
_SHORT = 8
_BINARIZERS = (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.FixedThreshold)
# Digits under the bars as OCR reads them: groups split by spaces, and by the guard bars that
# reach down between them, which OCR reads as quote marks, |, =, #, : or !.
_DIGIT_RUN = re.compile(r"(?<![\d.,])\d(?:[\d \"'`|=#:!]{5,22})\d(?![\d.,])")


@dataclass(frozen=True, slots=True)
class Barcode:
    """One code found on a photo: its symbology, its text and whether it came from the bars
    (``image``) or from the digits printed under them (``text``)."""

    format: str
    text: str
    source: Source

    @property
    def gtin(self) -> str:
        """The catalogue key: ``gtin_key`` of the text, a UPC-E expanded first."""
        if self.format == "UPC-E" and len(self.text) == 8 and self.text.isdigit():
            return gtin_key(upce_to_upca(self.text))
        return gtin_key(self.text)


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


def upce_to_upca(code: str) -> str:
    """The 12-digit UPC-A a UPC-E code (8 digits: number system, six, check) stands for."""
    system, six, check = code[0], code[1:7], code[7]
    last = six[5]
    if last in "012":
        body = six[0:2] + last + "0000" + six[2:5]
    elif last == "3":
        body = six[0:3] + "00000" + six[3:5]
    elif last == "4":
        body = six[0:4] + "00000" + six[4]
    else:
        body = six[0:5] + "0000" + last
    return system + body + check


def _own(name: str, text: str, extra: object) -> Barcode:
    """A code zxing-cpp read, in its own symbology's form (see the module docstring)."""
    if name in ("EAN-13", "UPC-A") and len(text) == 13 and text.startswith("0"):
        return Barcode("UPC-A", text[1:], "image")
    if name == "UPC-E" and isinstance(extra, dict) and str(extra.get("UPCE", "")).isdigit():
        return Barcode("UPC-E", str(extra["UPCE"]), "image")
    return Barcode(name, text, "image")


def _found(
    image: Image.Image, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage
) -> list[Barcode]:
    out = []
    for result in zxingcpp.read_barcodes(image, formats=_WANTED, binarizer=binarizer):
        name = _FORMATS.get(result.format)
        if name is not None and result.text:
            out.append(_own(name, result.text, result.extra))
    return out


def _region_variants(region: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    gray = region.convert("L")
    for width in _REGION_WIDTHS:
        size = (width, max(1, round(gray.height * width / max(gray.width, 1))))
        plain = gray.resize(size, Image.Resampling.LANCZOS)
        sharp = plain.filter(ImageFilter.UnsharpMask(radius=3, percent=250, threshold=0))
        for variant in (plain, sharp):
            for binarizer in _BINARIZERS:
                yield variant, binarizer


def region_votes(regions: Sequence[Image.Image]) -> Counter[Barcode]:
    """How many variants of the first readable region read each code."""
    votes: Counter[Barcode] = Counter()
    for region in regions:
        for variant, binarizer in _region_variants(region):
            votes.update(set(_found(variant, binarizer)))
            if len(votes) == 1 and next(iter(votes.values())) >= _AGREED:
                return votes
        if votes:
            break
    return votes


def from_regions(regions: Sequence[Image.Image]) -> list[Barcode]:
    """The code the variants of the first readable region agree on most (first seen wins a
    tie), or nothing."""
    votes = region_votes(regions)
    return [votes.most_common(1)[0][0]] if votes else []


def from_profiles(regions: Sequence[Image.Image]) -> list[Barcode]:
    """The code that the deblurred profiles (``scanline``) of the first regions read most,
    if at least ``_PROFILE_AGREED`` of them name it and fewer name any other; or nothing.

    Deconvolution rings, and a ring can turn into a valid code now and then: one read alone
    is not taken."""
    for region in regions[:_PROFILE_REGIONS]:
        votes: Counter[Barcode] = Counter()
        for drawn in deblurred_images(region):
            for binarizer in _BINARIZERS:
                votes.update(set(_found(drawn, binarizer)))
        ranked = [*votes.most_common(2), (None, 0)]
        best, count = ranked[0]
        if best is not None and count >= _PROFILE_AGREED and ranked[1][1] < count:
            return [best]
    return []


def _checked(found: list[Barcode], regions: Regions) -> list[Barcode]:
    """``found`` (the whole photo's single read), or the code its bar region's variants read
    more often, when that single read is a short code (``_SHORT``) they do not confirm."""
    if len(found) != 1 or len(found[0].text) != _SHORT:
        return found
    votes = region_votes(regions())
    tally = {code.gtin: count for code, count in votes.items()}
    if not votes or found[0].gtin in tally:
        return found
    best, count = votes.most_common(1)[0]
    return [best] if count > 1 else found


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


Regions = Callable[[], Sequence[Image.Image]]


def decode(image: Image.Image, regions: Regions | None = None) -> list[Barcode]:
    """The codes zxing-cpp reads in ``image``, each once; its bar ``regions`` (``regions()``,
    or ``bars.bar_regions``), the variants and then the regions' deblurred profiles only if
    none is found. A single short code is checked against the regions (``_checked``)."""
    cut_out = regions if regions is not None else cache(lambda: bar_regions(image))
    found = _found(image)
    if found:
        return unique(_checked(found, cut_out))
    found = from_regions(cut_out())
    if not found:
        for variant in _variants(image):
            found = _found(variant)
            if found:
                break
    if not found:
        found = from_profiles(cut_out())
    return unique(found)


def from_text(texts: Iterable[str]) -> list[Barcode]:
    """EAN/UPC codes printed as digits in ``texts`` (OCR rows), check digit verified."""
    out = []
    for text in texts:
        for match in _DIGIT_RUN.finditer(text):
            if (code := _printed(re.sub(r"\D", "", match.group()))) is not None:
                out.append(code)
    return unique(out)


def _printed(digits: str) -> Barcode | None:
    if len(digits) == 8 and digits[0] in _UPCE_SYSTEMS and gtin_valid(upce_to_upca(digits)):
        return Barcode("UPC-E", digits, "text")
    if len(digits) == 13 and digits.startswith("0") and gtin_valid(digits):
        return Barcode("UPC-A", digits[1:], "text")
    if len(digits) in _BY_LENGTH and gtin_valid(digits):
        return Barcode(_BY_LENGTH[len(digits)], digits, "text")
    return None


def unique(codes: Iterable[Barcode]) -> list[Barcode]:
    """``codes`` without repeats of one code (by catalogue key), the first kept."""
    seen: set[str] = set()
    out = []
    for code in codes:
        key = code.gtin
        if key not in seen:
            seen.add(key)
            out.append(code)
    return out
