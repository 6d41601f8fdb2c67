"""Rows a Cyrillic page's read skipped or cut, found by RapidOCR's detector and read alone.

The receipts are the bench generator's (``bench/receipt_gen``, fixed by their names: the same
photo on every machine with the same fonts), read by the real engines the pipelines use
(Tesseract's Russian for the page, RapidOCR's detector for the rows, Tesseract again for each
crop) and parsed by the real parser. Each was read wrong before: a bold ``ООО "..."`` store name
skipped whole, a name's quoted part dropped, a tilted sheet's corners (its total among them)
cut off with the table. The geometry that tells an unread row from a read one is checked on
hand-made boxes.
"""

# Russian receipt text is the point here.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import importlib
import json
import math
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from foodscan.recognition.reading.engines import EnginePicker, build_picker
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.reading.tesseract import tesseract_languages
from foodscan.recognition.reading.unread_rows import coverage, partly_read, unread
from foodscan.recognition.receipt import parse_receipt

BENCH = Path(__file__).resolve().parents[3] / "bench"

Box = tuple[tuple[float, float], ...]


def _box(left: float, top: float, right: float, bottom: float, turn: float = 0.0) -> Box:
    """An upright box turned by ``turn`` radians about the origin."""
    cos, sin = math.cos(turn), math.sin(turn)
    corners = ((left, top), (right, top), (right, bottom), (left, bottom))
    return tuple((x * cos - y * sin, x * sin + y * cos) for x, y in corners)


def _line(text: str, box: Box) -> OcrLine:
    return OcrLine(text, box, 0.9)


@pytest.mark.parametrize("turn", [0.0, math.radians(4)])
def test_a_row_no_line_covers_is_unread(turn: float) -> None:
    name = _box(300, 70, 520, 105, turn)  # the bold store name nobody read
    address = _box(130, 115, 690, 150, turn)
    amount = _box(600, 160, 720, 190, turn)  # an amount beside a row read without it
    item = _box(100, 160, 350, 190, turn)
    lines = [_line("г. Самара, ул. Лесная", address), _line("1 x 125.91", item)]
    assert unread([name, address, amount, item], lines) == [name, amount]
    assert coverage(address, lines, turn) == pytest.approx(1.0)


def test_a_row_one_line_reads_in_part_is_read_again_on_the_detected_box() -> None:
    row = _box(200, 80, 560, 115)  # `Минимаркет "ЛАДА-ТОРГ"` as the detector boxes it
    read = _line("Минимаркет", _box(205, 82, 370, 113))  # the page dropped the quoted part
    found = partly_read([row], [read])
    assert found == {id(read): row}
    # Two lines on the row (a name and its amount) read it whole: nothing to read again.
    whole = [read, _line('"ЛАДА-ТОРГ"', _box(380, 82, 555, 113))]
    assert partly_read([row], whole) == {}


def _receipt(tmp: Path, layout_name: str, number: int) -> tuple[bytes, dict[str, Any]]:
    """One generated receipt's photo and answer key (``bench/receipt_gen``)."""
    # The bench's generator, not the package's: importable with bench/ on the path.
    sys.path.insert(0, str(BENCH))
    try:
        generator = importlib.import_module("receipt_gen")
    finally:
        sys.path.remove(str(BENCH))
    locale, split = layout_name.split("-")[:2]
    layout = next(x for x in generator.layouts(locale, split) if x.name == layout_name)
    for folder in ("img", "key", "lines"):
        (tmp / folder).mkdir(exist_ok=True)
    receipt_id = f"{layout_name}-{number:02d}"
    generator._write(tmp, layout, receipt_id, images=True)  # one receipt alone
    key = json.loads((tmp / "key" / f"{receipt_id}.json").read_text(encoding="utf-8"))
    return (tmp / "img" / f"{receipt_id}.jpg").read_bytes(), key


@pytest.fixture(scope="module")
def picker() -> EnginePicker:
    if "rus" not in tesseract_languages():
        pytest.fail("Tesseract's Russian data is missing from the package")
    return build_picker(threads=1)


def _parsed(picker: EnginePicker, photo: bytes) -> Any:
    image = decode_image(photo, max_pixels=50_000_000)
    lines = picker.read(image, "ru")
    return parse_receipt(picker.reread(image, lines, "ru"))


@pytest.mark.parametrize(
    ("layout", "number"),
    [
        ("ru-dev-08", 1),  # a bold `ООО "КОЛОСОК"` row Tesseract's page read skips whole
        ("ru-dev-08", 2),  # the same, with only `000` read of it
        ("ru-dev-02", 1),  # `Минимаркет` read, its quoted name `"ЛАДА-ТОРГ"` dropped
    ],
)
def test_a_store_name_the_page_read_skipped_is_read_from_its_row(
    picker: EnginePicker, tmp_path: Path, layout: str, number: int
) -> None:
    photo, key = _receipt(tmp_path, layout, number)
    found = _parsed(picker, photo)
    assert found.merchant.name is not None
    got = found.merchant.name.casefold().replace("000", "ооо")
    assert got == key["merchant"].casefold()


def test_a_tilted_sheet_keeps_its_corners_and_its_total(
    picker: EnginePicker, tmp_path: Path
) -> None:
    # Turned by about 4 degrees: the cut around the sheet took off the top left (the date) and
    # the bottom right (the total's last digit), so no total was found.
    photo, key = _receipt(tmp_path, "ru-held-01", 2)
    found = _parsed(picker, photo)
    assert found.total is not None
    assert Decimal(str(found.total)) == Decimal(key["total"])
