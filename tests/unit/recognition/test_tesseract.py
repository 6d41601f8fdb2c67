"""Tesseract reads Russian: Cyrillic lines come back boxed on the image, confident, in order.

They read with the language data shipped inside the package and the engine inside the
``tesserocr`` wheel, nothing from the OS: Russian receipts are part of what ``pip install
foodscan`` promises to read.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from foodscan.errors import PermanentError
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine
from foodscan.recognition.reading.tesseract import (
    SHIPPED_TESSDATA,
    OcrUnavailable,
    TesseractEngine,
    tessdata_dir,
    tesseract_languages,
)

ReceiptImage = Callable[..., Image.Image]

RECEIPT = [
    'МАГАЗИН "РОМАШКА"',
    "КАССОВЫЙ ЧЕК",
    "МОЛОКО 3,2% 1Л    89.90",
    "ХЛЕБ БОРОДИНСКИЙ  49.90",
    "ИТОГ             139.80",
]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


@pytest.fixture(scope="session")
def russian() -> TesseractEngine:
    """One engine for the session; fails (never skips) when Tesseract's Russian is missing."""
    missing = {"rus", "eng", "osd"} - tesseract_languages()
    if missing:
        pytest.fail(
            f"Tesseract language data {sorted(missing)} not found (looked in "
            f"{tessdata_dir() or 'the usual tessdata directories'}): the package ships them in "
            "recognition/reading/tessdata"
        )
    return TesseractEngine(("rus",))


def test_the_language_data_comes_from_the_package_not_the_system() -> None:
    assert tessdata_dir() == SHIPPED_TESSDATA
    assert {"eng", "osd", "pol", "rus"} <= tesseract_languages()
    assert "Apache License" in SHIPPED_TESSDATA.joinpath("LICENSE-tessdata").read_text()


def on_a_table(page: Image.Image, margin: int = 120) -> Image.Image:
    """``page`` lying on a dark, striped table, as a phone would photograph it."""
    table = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), (70, 55, 40))
    draw = ImageDraw.Draw(table)
    for y in range(0, table.height, 14):
        draw.line([(0, y), (table.width, y + 30)], fill=(105, 85, 60), width=5)
    table.paste(page, (margin, margin))
    return table


def test_russian_text_comes_back_in_cyrillic(
    russian: TesseractEngine, receipt_image: ReceiptImage
) -> None:
    image = receipt_image(RECEIPT)
    lines = russian.read(image)
    text = squash(" ".join(line.text for line in lines))
    for token in ("РОМАШКА", "КАССОВЫЙЧЕК", "МОЛОКО", "БОРОДИНСКИЙ", "ИТОГ", "139.80"):
        assert token in text, f"{token!r} not in {text!r}"
    for line in lines:
        assert 0 < line.confidence <= 1
        assert len(line.box) == 4
        assert all(0 <= x <= image.width and 0 <= y <= image.height for x, y in line.box)


def test_each_line_is_boxed_on_its_printed_row_in_reading_order(
    russian: TesseractEngine, receipt_image: ReceiptImage
) -> None:
    size, spacing = 28, 1.6
    lines = russian.read(receipt_image(RECEIPT, size=size, spacing=spacing))
    assert [squash(line.text)[:6] for line in lines] == [squash(r)[:6] for r in RECEIPT]
    for index, line in enumerate(lines):
        # receipt_image draws row i from y = size + i * size * spacing, one font size high.
        top = size + index * int(size * spacing)
        middle = sum(y for _, y in line.box) / 4
        assert top <= middle <= top + size, (line.text, line.box)
        (x0, _), (x1, _), _, _ = line.box
        assert x0 < x1


def test_a_tilted_photo_on_a_table_is_read_and_boxed_along_its_rows(
    russian: TesseractEngine, receipt_image: ReceiptImage
) -> None:
    image = on_a_table(receipt_image(RECEIPT, angle=4))
    lines = russian.read(image)
    texts = [squash(line.text) for line in lines]
    assert any("МОЛОКО" in t and "89.90" in t for t in texts), texts
    assert any("ИТОГ" in t and "139.80" in t for t in texts), texts
    milk = next(line for line in lines if "МОЛОКО" in line.text)
    (x0, y0), (x1, y1) = milk.box[0], milk.box[1]
    # Turned 4 degrees anticlockwise, a row rises to the right: its box's top edge too.
    assert math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(4, abs=1.5)
    # The box lies on the sheet, not on the table around it.
    assert all(100 <= x <= image.width - 100 for x, _ in milk.box), milk.box
    # The table's stripes are not read as text.
    assert len(lines) <= len(RECEIPT) + 1, texts


def test_a_page_on_its_side_is_turned_upright(
    russian: TesseractEngine, receipt_image: ReceiptImage
) -> None:
    page = receipt_image(RECEIPT * 2)
    lines = russian.read(page.rotate(90, expand=True))
    text = squash(" ".join(line.text for line in lines))
    assert "БОРОДИНСКИЙ" in text
    assert "139.80" in text


def test_a_blank_page_reads_nothing(russian: TesseractEngine) -> None:
    assert russian.read(Image.new("RGB", (600, 400), "white")) == []
    assert russian.read(Image.new("L", (3, 3), 255)) == []


def test_engine_satisfies_the_protocol(russian: TesseractEngine) -> None:
    engine: OcrEngine = russian
    lines: list[OcrLine] = engine.read(Image.new("RGB", (50, 50), "white"))
    assert lines == []


def test_languages_are_found_without_loading_tesseract() -> None:
    assert {"rus", "eng"} <= tesseract_languages()
    assert TesseractEngine(("ru", "en")).langs == ("rus", "eng")
    assert TesseractEngine(("ru", "en")).available()


def test_a_missing_language_raises_a_clear_permanent_error() -> None:
    engine = TesseractEngine(("rus", "xyz"))
    assert not engine.available()
    with pytest.raises(OcrUnavailable, match="tesseract-ocr-xyz") as caught:
        engine.read(Image.new("RGB", (100, 100), "white"))
    assert isinstance(caught.value, PermanentError)
    assert caught.value.code == "ocr_unavailable"


def test_language_data_elsewhere_can_be_configured(tmp_path: Path) -> None:
    assert tesseract_languages(tmp_path) == frozenset()
    engine = TesseractEngine(("rus",), tessdata=tmp_path)
    assert not engine.available()
    with pytest.raises(OcrUnavailable, match="rus"):
        engine.read(Image.new("RGB", (100, 100), "white"))
    found = tessdata_dir()
    assert found is not None
    assert tesseract_languages(found) == tesseract_languages()


# Run in a fresh interpreter: what importing, building and asking for languages loads.
_PROBE = """
import sys
from foodscan.recognition.reading.tesseract import TesseractEngine, tesseract_languages
from foodscan.recognition.reading.engines import build_picker, readable_languages
picker = build_picker()
print(sorted(tesseract_languages()) != [], sorted(readable_languages()))
print("tesserocr" in sys.modules, "onnxruntime" in sys.modules)
"""


def test_importing_building_and_listing_languages_load_nothing() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    listed, loaded = probe.stdout.splitlines()
    assert listed == "True ['en', 'pl', 'ru']"
    assert loaded == "False False"
