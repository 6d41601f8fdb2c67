"""Reading one product photo with the real engines: zxing-cpp for the bars, RapidOCR for text."""

from __future__ import annotations

from PIL import Image, ImageDraw

from foodscan.recognition.products.photo import printed_codes, read_photo
from foodscan.recognition.reading.ocr import OcrLine, RapidOcrEngine
from tests.unit.recognition.conftest import load_font
from tests.unit.recognition.product_images import product_photo


def test_a_photo_gives_its_barcode_and_its_words(ocr_engine: RapidOcrEngine) -> None:
    photo = product_photo(["ARLA", "MJOLK"], code="5901234123457")
    found = read_photo(photo, ocr_engine, index=2)
    assert found.index == 2
    assert [(c.format, c.text, c.source) for c in found.barcodes] == [
        ("EAN-13", "5901234123457", "image")
    ]
    texts = " ".join(line.text for line in found.lines).upper()
    assert "ARLA" in texts
    assert "MJOLK" in texts


def test_printed_digits_stand_in_for_unreadable_bars(ocr_engine: RapidOcrEngine) -> None:
    image = Image.new("RGB", (700, 160), "white")
    ImageDraw.Draw(image).text((30, 50), "5 901234 123457", fill="black", font=load_font(48))
    found = read_photo(image, ocr_engine)
    assert [(c.text, c.source) for c in found.barcodes] == [("5901234123457", "text")]


class _Scripted:
    """An OCR engine that answers crops from a script (the re-read of a digit row)."""

    def __init__(self, answers: list[list[OcrLine]]) -> None:
        self.answers = answers
        self.calls = 0

    def read(
        self,
        image: Image.Image,
        lang: str | None = None,
        upright: bool = False,
    ) -> list[OcrLine]:
        self.calls += 1
        return self.answers.pop(0) if self.answers else []


def test_a_digit_row_missing_its_first_digit_is_read_again_closer() -> None:
    box = ((100.0, 100.0), (400.0, 100.0), (400.0, 130.0), (100.0, 130.0))
    partial = [OcrLine("901234 123457", box, 0.9)]  # the leading 5 was not read
    engine = _Scripted([[], [OcrLine("5 901234 123457", box, 0.9)]])
    found = printed_codes(Image.new("RGB", (500, 300), "white"), partial, engine)
    assert [c.text for c in found] == ["5901234123457"]
    assert engine.calls == 2
