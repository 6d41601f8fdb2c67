"""The second look at unsure lines: crops cut level and enlarged, read again, the agreed
reading kept, a few lines per page only.

Pages are drawn here (DejaVu Sans Mono, blurred, small, tilted) and read by the real engines:
RapidOCR for Latin crops, Tesseract (the shipped data) for Cyrillic ones and as the Latin
pages' second witness. A line handed to the rereader carries the text a page read might have
given (a misread digit, a garbled name); the crop must give the printed one back.
"""

# Russian receipt text is the point here, look-alike letters and all.
# ruff: noqa: RUF001

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFilter

from foodscan.recognition.reading.crops import line_crop
from foodscan.recognition.reading.engines import EnginePicker, ScriptProbe
from foodscan.recognition.reading.line_reader import RapidLineReader
from foodscan.recognition.reading.ocr import OcrLine, RapidOcrEngine
from foodscan.recognition.reading.reread import Reading, Rereader, choose
from foodscan.recognition.reading.tesseract import TesseractEngine, tesseract_languages
from tests.unit.recognition.conftest import load_font

Box = tuple[tuple[float, float], ...]
Page = tuple[Image.Image, list[Box]]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


@pytest.fixture(scope="module")
def rereader() -> Rereader:
    missing = {"rus", "eng", "pol"} - tesseract_languages()
    if missing:
        pytest.fail(f"Tesseract language data {sorted(missing)} missing from the package")
    return Rereader(latin_pages=True)


@pytest.fixture
def page() -> Callable[..., Page]:
    """Rows drawn on paper, blurred and turned by ``angle`` degrees; with each row's box (its
    quadrilateral on the turned page, clockwise from the top-left)."""

    def make(rows: list[str], *, size: int = 16, blur: float = 0.8, angle: float = 0.0) -> Page:
        font = load_font(size)
        step = int(size * 1.7)
        width = max(int(font.getlength(row)) for row in rows) + 4 * size
        height = step * len(rows) + 4 * size
        image = Image.new("L", (width, height), 235)
        draw = ImageDraw.Draw(image)
        boxes: list[Box] = []
        for index, row in enumerate(rows):
            x, y = 2 * size, 2 * size + index * step
            draw.text((x, y), row, fill=40, font=font)
            left, top, right, bottom = draw.textbbox((x, y), row, font=font)
            boxes.append(((left, top), (right, top), (right, bottom), (left, bottom)))
        image = image.filter(ImageFilter.GaussianBlur(blur))
        if angle:
            turned = image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=235)
            boxes = [_turn(box, angle, image.size, turned.size) for box in boxes]
            image = turned
        return image.convert("RGB"), boxes

    return make


def _turn(box: Box, angle: float, size: tuple[int, int], turned: tuple[int, int]) -> Box:
    """Where ``box``'s corners go when the page is turned anticlockwise by ``angle`` degrees
    (``Image.rotate(expand=True)`` keeps the centres on each other)."""
    theta = math.radians(angle)
    out = []
    for x, y in box:
        dx, dy = x - size[0] / 2, y - size[1] / 2
        out.append(
            (
                dx * math.cos(theta) + dy * math.sin(theta) + turned[0] / 2,
                -dx * math.sin(theta) + dy * math.cos(theta) + turned[1] / 2,
            )
        )
    return tuple(out)


def test_a_tilted_line_is_cut_out_level_and_enlarged(page: Callable[..., Page]) -> None:
    image, boxes = page(["FIRST ROW ABOVE", "99 SPEED MART S/B", "LAST ROW BELOW"], angle=4)
    crop = line_crop(image.convert("L"), boxes[1])
    height = math.dist(boxes[1][0], boxes[1][3])
    assert crop.height > 1.5 * height  # enlarged
    assert crop.width > 5 * crop.height  # one level line, not a slanted band of three
    read = RapidLineReader().read(crop)
    assert [squash(line.text) for line in read] == ["99SPEEDMARTS/B"]


def test_a_misread_store_name_is_read_again_and_mended(
    page: Callable[..., Page], rereader: Rereader
) -> None:
    rows = ["SHOP", "LOT 1851-A JALAN KPB 6", "99 SPEED MART S/B", "TOTAL RM 12.50"]
    image, boxes = page(rows, blur=1.0)
    lines = [
        OcrLine(rows[0], boxes[0], 0.99),
        OcrLine(rows[1], boxes[1], 0.99),
        OcrLine("79 SPEED MART S/D", boxes[2], 0.61),  # what a blurred page read gave
        OcrLine(rows[3], boxes[3], 0.98),
    ]
    again = rereader.reread(image, lines, "latin")
    assert squash(again[2].text) == "99SPEEDMARTS/B"
    assert again[2].box == lines[2].box
    assert again[3] == lines[3]  # a confident line below the header stays as read


def test_a_garbled_russian_item_name_is_read_again(
    page: Callable[..., Page], rereader: Rereader
) -> None:
    rows = ['ООО "ЛАДА-ТОРГ"', "КАССОВЫЙ ЧЕК", "СОК ЯБЛОЧНЫЙ 1Л 2х 120.00 =240.00"]
    image, boxes = page(rows, size=20)
    lines = [
        OcrLine(rows[0], boxes[0], 0.95),
        OcrLine(rows[1], boxes[1], 0.95),
        OcrLine("сок ал 2х 120.00 =240.00", boxes[2], 0.55),
    ]
    again = rereader.reread(image, lines, "cyrillic")
    assert squash(again[2].text) == squash(rows[2])
    assert again[:2] == lines[:2]


def test_only_a_few_lines_per_page_are_read_again(
    page: Callable[..., Page], rereader: Rereader
) -> None:
    rows = [f"ITEM NUMBER {n} 1.{n}0" for n in range(10)]
    image, boxes = page(rows)
    lines = [OcrLine(f"lTEM NUMRER {n} 1.{n}0", box, 0.5) for n, box in enumerate(boxes)]
    chosen = rereader.chosen(lines, "latin")
    assert len(chosen) == rereader.max_lines
    assert chosen[: rereader.header_rows] == lines[: rereader.header_rows]  # the header first
    again = rereader.reread(image, lines, "latin")
    assert sum(a != b for a, b in zip(again, lines, strict=True)) <= rereader.max_lines
    assert again[-1] == lines[-1]


def test_the_vote_keeps_what_two_readings_agree_on() -> None:
    own = Reading("79 SPEED MART S/D", 0.80, "page")
    crop = Reading("99 SPEED MART S/B", 0.93, "crop")
    other = Reading("99 SPEED MART S/B", 0.85, "other")
    assert choose([own, crop, other]) == crop
    # The other engine alone against the page and the crop: the page stays.
    assert choose([own, Reading(own.text, 0.82, "crop"), crop]).source == "page"


def test_a_reading_that_lost_part_of_the_line_is_not_taken() -> None:
    own = Reading('МАГАЗИН "КОПЕЙКА-ПЛЮС"', 0.6, "page")
    assert choose([own, Reading("МАГАЗИН", 0.95, "crop")]) == own


def test_the_same_engine_again_never_changes_an_amount() -> None:
    own = Reading("сок ал 2х 120.00 =240.00", 0.6, "page")
    assert choose([own, Reading("СОК ЯБЛОЧНЫЙ 1Л 2х 120.00 =240.09", 0.9, "crop")]) == own
    mended = Reading("СОК ЯБЛОЧНЫЙ 1Л 2х 120.00 =240.00", 0.9, "crop")
    assert choose([own, mended]) == mended
    # Less sure than the page's own reading: kept as read.
    assert choose([own, Reading(mended.text, 0.61, "crop")]) == own


def test_the_picker_gives_lines_back_unchanged_without_a_rereader(
    page: Callable[..., Page], ocr_engine: RapidOcrEngine
) -> None:
    image, boxes = page(["SOME SHOP"])
    picker = EnginePicker(
        latin=ocr_engine, cyrillic=TesseractEngine(("rus",)), probe=ScriptProbe(), rereader=None
    )
    lines = [OcrLine("S0ME SH0P", boxes[0], 0.3)]
    assert picker.reread(image, lines) == lines
