"""The engine picker: Cyrillic pages go to Tesseract, Latin ones to RapidOCR, hints win.

Real engines on pages drawn with a font that has Cyrillic (DejaVu Sans Mono). Needs Tesseract's
rus and eng data (``.ci/run`` installs them); without them these tests fail, saying so.
"""

# Russian receipt text is the point here, look-alike letters and all.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from foodscan.recognition.reading.engines import (
    EnginePicker,
    ScriptProbe,
    letters_by_script,
    readable_languages,
    script_of_hint,
)
from foodscan.recognition.reading.ocr import OcrEngine, OcrLine, RapidOcrEngine
from foodscan.recognition.reading.tesseract import (
    OcrUnavailable,
    TesseractEngine,
    tesseract_languages,
)

ReceiptImage = Callable[..., Image.Image]

RUSSIAN = [
    'ООО "ЛАДА-ТОРГ"',
    "г. Тверь, ул. Садовая, д. 22",
    "КАССОВЫЙ ЧЕК",
    "ПРИХОД",
    "СОК ЯБЛОЧНЫЙ 1Л   =129.99",
    "ИТОГ              =129.99",
]
POLISH = [
    "MARKET POLNA Sp. z o.o.",
    "ul. Kwiatowa 4, Łódź",
    "PARAGON FISKALNY",
    "Mleko UHT 3,2% 1L   3,29 C",
    "Żurek śląski        7,59 C",
    "SUMA PLN           10,88",
]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


class Recording:
    """Wraps an engine and counts the pages it read."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.pages = 0

    def read(
        self, image: Image.Image, lang: str | None = None, upright: bool = False
    ) -> list[OcrLine]:
        self.pages += 1
        return self.engine.read(image, lang, upright)


class RecordingTesseract(TesseractEngine):
    pages = 0

    def read(
        self, image: Image.Image, lang: str | None = None, upright: bool = False
    ) -> list[OcrLine]:
        self.pages += 1
        return super().read(image, lang, upright)


@pytest.fixture(scope="session")
def probe() -> ScriptProbe:
    missing = {"rus", "eng"} - tesseract_languages()
    if missing:
        pytest.fail(
            f"Tesseract language data {sorted(missing)} not found: the package ships it in "
            "recognition/reading/tessdata (is FOODSCAN_TESSDATA_DIR set elsewhere?)"
        )
    return ScriptProbe()


@pytest.fixture
def picker(probe: ScriptProbe, ocr_engine: RapidOcrEngine) -> EnginePicker:
    return EnginePicker(
        latin=Recording(ocr_engine), cyrillic=RecordingTesseract(("rus",)), probe=probe
    )


def engines(picker: EnginePicker) -> tuple[int, int]:
    """(pages read by RapidOCR, pages read by Tesseract)."""
    assert isinstance(picker.latin, Recording)
    assert isinstance(picker.cyrillic, RecordingTesseract)
    return picker.latin.pages, picker.cyrillic.pages


@pytest.mark.parametrize(
    ("lang", "script"),
    [
        ("ru", "cyrillic"),
        ("RUS", "cyrillic"),
        ("ru-RU", "cyrillic"),
        ("en+ru", "cyrillic"),
        ("pl", "latin"),
        ("eng+pol", "latin"),
        ("en, pl", "latin"),
        ("en_GB", "latin"),
        (None, None),
        ("", None),
        ("de", None),
        ("en+de", None),
    ],
)
def test_a_hint_names_a_script_only_when_it_names_known_languages(
    lang: str | None, script: str | None
) -> None:
    assert script_of_hint(lang) == script


def test_letters_are_counted_by_script() -> None:
    assert letters_by_script(["ИТОГ 12.50", "Łódź", "x-y"]) == (4, 6)
    assert letters_by_script(["12.50 =", "€ 3"]) == (0, 0)


def test_a_cyrillic_page_goes_to_tesseract_and_comes_back_in_cyrillic(
    picker: EnginePicker, receipt_image: ReceiptImage
) -> None:
    image = receipt_image(RUSSIAN)
    assert picker.choose(image) == "cyrillic"
    text = squash(" ".join(line.text for line in picker.read(image)))
    assert "КАССОВЫЙЧЕК" in text
    assert "ИТОГ" in text
    assert engines(picker) == (0, 1)


def test_a_latin_page_goes_to_rapidocr(picker: EnginePicker, receipt_image: ReceiptImage) -> None:
    image = receipt_image(POLISH)
    assert picker.choose(image) == "latin"
    text = squash(" ".join(line.text for line in picker.read(image)))
    assert "PARAGONFISKALNY" in text
    assert "SUMAPLN" in text
    assert engines(picker) == (1, 0)


def test_the_lang_hint_wins_over_the_page(
    picker: EnginePicker, receipt_image: ReceiptImage
) -> None:
    picker.read(receipt_image(POLISH), "ru")
    assert engines(picker) == (0, 1)
    picker.read(receipt_image(RUSSIAN), "pl")
    assert engines(picker) == (1, 1)


def test_a_page_without_letters_is_read_as_latin(
    picker: EnginePicker, receipt_image: ReceiptImage
) -> None:
    assert picker.choose(receipt_image(["12.50", "=3.00"])) == "latin"
    assert picker.choose(Image.new("RGB", (300, 200), "white")) == "latin"


def test_a_russian_page_without_tesseracts_russian_fails_clearly(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage, tmp_path: Path
) -> None:
    # No probe: without Tesseract a page with no hint is read as Latin, a Russian one refused.
    picker = EnginePicker(
        latin=Recording(ocr_engine),
        cyrillic=TesseractEngine(("rus",), tessdata=tmp_path),
        probe=ScriptProbe(tessdata=tmp_path),
    )
    assert picker.probe is None
    assert "ru" not in readable_languages(tmp_path)
    with pytest.raises(OcrUnavailable, match=r"has no rus\.traineddata") as caught:
        picker.read(receipt_image(RUSSIAN), "ru")
    assert caught.value.code == "ocr_unavailable"
    assert picker.choose(receipt_image(RUSSIAN)) == "latin"


def test_the_languages_this_machine_can_read_are_reported() -> None:
    assert readable_languages() == {"en", "pl", "ru"}
