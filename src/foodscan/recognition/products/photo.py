"""Reading one product photo: its barcodes and its packaging text.

The bars are read first (``barcodes.decode``); the text by the job's OCR engine. When the bars
cannot be read, the digits printed under them often can: OCR rows are searched for a code
with a right check digit, a row that looks like such digits but fails is read again, cropped
(at two sizes) and padded (small digits at a photo's edge are where OCR slips), and then the
regions that look like bars (``bars.bar_regions``, upright, digits included) are read, then
the bands under (or over) their bars where the digits stand (``bars.digit_bands``).
When the bars and the printed digits name different codes (each with a right check digit:
a misread of two digits or more), the variants of the bar region decide between them.
Synchronous and CPU-bound: run it in the worker's CPU pool.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageOps

from foodscan.recognition.products import barcodes
from foodscan.recognition.products.barcodes import Barcode, Regions
from foodscan.recognition.products.bars import bar_regions, digit_bands
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, row_texts

_MIN_DIGITS = 6
_DIGIT_SHARE = 0.6
_RETRIES = 2
_REGION_READS = 2  # bar regions whose digits are read when nothing else gave a code
_DIGITS_LANG = "en"  # digits read the same in any script: no script probe for a cut-out
_PAD = 40
_BAND_AGREE = 2  # reads of the digit bands that must name the same code
# (left margin in line heights, scale) of the crops re-read; measured on the zxing samples.
_CROPS = ((2.0, 2), (1.5, 1), (2.0, 1), (1.5, 2))


@dataclass(frozen=True, slots=True)
class PhotoReading:
    """What one photo showed: its index in the job, its codes and its text lines."""

    index: int
    barcodes: tuple[Barcode, ...]
    lines: tuple[OcrLine, ...]


def line_height(line: OcrLine) -> float:
    """The height of a line's box (its left edge), in pixels."""
    (x0, y0), (x3, y3) = line.box[0], line.box[3]
    return math.hypot(x3 - x0, y3 - y0)


def _digit_like(line: OcrLine) -> bool:
    text = line.text.replace(" ", "")
    digits = sum(ch.isdigit() for ch in text)
    return digits >= _MIN_DIGITS and digits >= _DIGIT_SHARE * len(text)


def _crops(image: Image.Image, line: OcrLine) -> list[Image.Image]:
    """The region around ``line``, wide to the left (where an EAN's first digit stands), at
    the sizes in ``_CROPS``: OCR on a small crop is fickle, a pixel more or less changes it."""
    height = max(line_height(line), 8.0)
    xs = [x for x, _ in line.box]
    ys = [y for _, y in line.box]
    out = []
    for left, scale in _CROPS:
        box = (
            max(0, round(min(xs) - left * height)),
            max(0, round(min(ys) - 0.6 * height)),
            min(image.width, round(max(xs) + height)),
            min(image.height, round(max(ys) + 0.6 * height)),
        )
        region = image.crop(box)
        size = (region.width * scale, region.height * scale)
        resized = region.resize(size, Image.Resampling.LANCZOS) if scale != 1 else region
        out.append(ImageOps.expand(resized, border=_PAD, fill="white"))
    return out


def _digits(
    image: Image.Image, lines: list[OcrLine], ocr: OcrEngine, lang: str | None
) -> list[Barcode]:
    """Codes printed in ``lines`` of ``image``, re-reading up to two digit rows closer."""
    found = barcodes.from_text(row_texts(lines, separator=" "))
    if found:
        return found
    for line in [line for line in lines if _digit_like(line)][:_RETRIES]:
        for crop in _crops(image, line):
            found = barcodes.from_text(row_texts(ocr.read(crop, lang), separator=" "))
            if found:
                return found
    return []


def printed_codes(
    image: Image.Image,
    lines: list[OcrLine],
    ocr: OcrEngine,
    lang: str | None = None,
    regions: Regions | None = None,
) -> list[Barcode]:
    """Codes from the digits printed on the photo, then from those beside up to two bar
    regions (each re-reading up to two digit rows closer)."""
    found = _digits(image, lines, ocr, lang)
    if found:
        return found
    for region in (regions() if regions is not None else bar_regions(image))[:_REGION_READS]:
        padded = ImageOps.expand(region, border=_PAD, fill="white")
        found = _digits(padded, ocr.read(padded, _DIGITS_LANG), ocr, _DIGITS_LANG)
        if found:
            return found
        if found := _banded(region, ocr):
            return found
    return []


def _banded(region: Image.Image, ocr: OcrEngine) -> list[Barcode]:
    """The code that at least two reads agree on of the bands of ``region`` where its digits
    stand (``bars.digit_bands``), each read as it is and at twice its size. One read alone is
    not taken: a small digit misread can still pass the check digit (one time in ten)."""
    votes: Counter[Barcode] = Counter()
    for band in digit_bands(region):
        for scale in (1, 2):
            size = (band.width * scale, band.height * scale)
            sized = band.resize(size, Image.Resampling.LANCZOS) if scale > 1 else band
            padded = ImageOps.expand(sized, border=_PAD, fill="white")
            read = barcodes.from_text(row_texts(ocr.read(padded, _DIGITS_LANG), separator=" "))
            votes.update(set(read))
    return [code for code, count in votes.most_common(1) if count >= _BAND_AGREE]


def _refereed(codes: list[Barcode], printed: list[Barcode], regions: Regions) -> list[Barcode]:
    """The bars' codes, unless the printed digits name another retail code that more
    variants of the bar region read."""
    if not codes or not printed or any(code.format == "QR" for code in codes):
        return codes
    if {code.gtin for code in codes} & {code.gtin for code in printed}:
        return codes
    votes = barcodes.region_votes(regions())
    tally = {code.gtin: count for code, count in votes.items()}
    best = max(printed, key=lambda code: tally.get(code.gtin, 0))
    if tally.get(best.gtin, 0) > max(tally.get(code.gtin, 0) for code in codes):
        return [best]
    return codes


def read_photo(
    image: Image.Image, ocr: OcrEngine, index: int = 0, lang: str | None = None
) -> PhotoReading:
    """Barcodes and text lines of one upright RGB photo."""
    regions = cache(lambda: bar_regions(image))
    codes = barcodes.decode(image, regions)
    lines = ocr.read(image, lang)
    if codes:
        codes = _refereed(codes, barcodes.from_text(row_texts(lines, separator=" ")), regions)
    else:
        codes = printed_codes(image, lines, ocr, lang, regions)
    return PhotoReading(index, tuple(codes), tuple(lines))
