"""OCR with the bundled models: rendered words come back, boxed, confident, in reading order."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from PIL import Image

from foodscan.errors import UnreadableFile
from foodscan.recognition.reading.ocr import (
    OcrEngine,
    OcrLine,
    RapidOcrEngine,
    group_rows,
    row_texts,
)

ReceiptImage = Callable[..., Image.Image]

RECEIPT = [
    "GREENLEAF GROCERY",
    "12 MARKET STREET",
    "21/01/2026        14:32",
    "BANANAS            1.29",
    "WHOLEMEAL BREAD    2.45",
    "ORANGE JUICE 1L    3.10",
    "TOTAL              6.84",
    "THANK YOU",
]


def squash(text: str) -> str:
    """Upper case without spaces: the OCR may split or join words on a wide gap."""
    return re.sub(r"\s+", "", text).upper()


# Run in a fresh interpreter: records which heavy modules an import pulls in, and every
# network or file-download attempt made while the models load and read an image.
_PROBE = """
import sys
events = []
sys.addaudithook(
    lambda event, args: events.append(event)
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request") else None
)
from foodscan.recognition.reading.ocr import RapidOcrEngine
engine = RapidOcrEngine()
print("onnxruntime" in sys.modules, "rapidocr.main" in sys.modules)
from PIL import Image, ImageDraw
image = Image.new("RGB", (320, 80), "white")
ImageDraw.Draw(image).text((10, 20), "HELLO 12.50", fill="black", font_size=32)
print(len(engine.read(image)) > 0, "onnxruntime" in sys.modules, sorted(set(events)))
"""


def test_import_loads_nothing_and_reading_uses_no_network() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    after_import, after_read = probe.stdout.splitlines()
    assert after_import == "False False"
    assert after_read == "True True []"


def test_engine_satisfies_the_protocol() -> None:
    engine: OcrEngine = RapidOcrEngine()
    assert callable(engine.read)


def test_rendered_receipt_is_read_back(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    lines = ocr_engine.read(receipt_image(RECEIPT))
    text = squash(" ".join(line.text for line in lines))
    for token in ("GREENLEAF", "GROCERY", "BANANAS", "WHOLEMEAL", "JUICE", "TOTAL", "6.84"):
        assert token in text, f"{token!r} not in {text!r}"
    for line in lines:
        assert 0 < line.confidence <= 1
        assert len(line.box) == 4
        assert all(len(point) == 2 for point in line.box)


def test_lines_come_top_to_bottom_and_left_to_right(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    lines = ocr_engine.read(receipt_image(RECEIPT))
    texts = [squash(line.text) for line in lines]

    def first(token: str) -> int:
        return next(i for i, text in enumerate(texts) if token in text)

    order = [first(t) for t in ("GREENLEAF", "BANANAS", "BREAD", "JUICE", "TOTAL", "THANK")]
    assert order == sorted(order)
    assert first("1.29") < first("BREAD")
    # The price is printed right of its item; both precede the next row.
    assert first("BANANAS") < first("1.29") < first("WHOLEMEAL")


def test_a_tilted_photo_keeps_each_price_on_its_row(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    # Tilted 5 degrees, the right end of a wide row sits lower than the left end of the next.
    wide = [re.sub(r"(\S) {4,}(\S)", r"\1" + " " * 20 + r"\2", row) for row in RECEIPT]
    image = receipt_image(wide, angle=-5, spacing=1.3)
    rows = [squash(row) for row in row_texts(ocr_engine.read(image))]
    assert any("BANANAS" in row and "1.29" in row for row in rows), rows
    assert any("TOTAL" in row and "6.84" in row for row in rows), rows
    assert not any("BANANAS" in row and "2.45" in row for row in rows), rows


def test_blank_image_reads_nothing(ocr_engine: RapidOcrEngine) -> None:
    assert ocr_engine.read(Image.new("RGB", (400, 300), "white")) == []


def test_an_image_the_ocr_cannot_process_is_unreadable(ocr_engine: RapidOcrEngine) -> None:
    with pytest.raises(UnreadableFile, match="5000x8"):
        ocr_engine.read(Image.new("RGB", (5000, 8), "white"))
    assert ocr_engine.read(Image.new("L", (2, 2))) == []


def test_one_engine_is_safe_to_share_between_threads(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    image = receipt_image(RECEIPT[:4])
    expected = [line.text for line in ocr_engine.read(image)]
    results: list[list[str]] = []

    def work() -> None:
        results.append([line.text for line in ocr_engine.read(image)])

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [expected] * 3


def box(
    x: float, y: float, width: float = 100, height: float = 20
) -> tuple[tuple[float, float], ...]:
    return ((x, y), (x + width, y), (x + width, y + height), (x, y + height))


def test_group_rows_sorts_by_row_then_by_x() -> None:
    lines = [
        OcrLine("3.49", box(300, 52), 0.9),
        OcrLine("TOTAL", box(10, 100), 0.9),
        OcrLine("MILK", box(10, 50), 0.9),
        OcrLine("9.99", box(300, 98), 0.9),
        OcrLine("SHOP", box(100, 0), 0.9),
    ]
    rows = [[line.text for line in row] for row in group_rows(lines)]
    assert rows == [["SHOP"], ["MILK", "3.49"], ["TOTAL", "9.99"]]
    assert row_texts(lines, " ") == ["SHOP", "MILK 3.49", "TOTAL 9.99"]
    assert group_rows([]) == []


def test_an_upright_read_leaves_the_next_read_turning_lines(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    # A receipt photographed upside down: the direction classifier turns its lines round.
    upside_down = receipt_image(["FRESH MARKET", "BANANAS  1.29", "TOTAL  6.84"]).rotate(180)
    before = ocr_engine.read(upside_down)
    ocr_engine.read(receipt_image(["A RECIPE PAGE"]), upright=True)

    assert ocr_engine.read(upside_down) == before
    assert "BANANAS" in squash(" ".join(line.text for line in before))


@pytest.mark.parametrize("arena", [True, False])
def test_the_memory_arena_follows_the_setting_and_reads_the_same(
    receipt_image: ReceiptImage, arena: bool
) -> None:
    """``memory_arena`` reaches onnxruntime's sessions (rapidocr's own default is off), and the
    text read does not depend on it."""
    engine = RapidOcrEngine(memory_arena=arena)
    lines = engine.read(receipt_image(RECEIPT))
    sessions = [engine._ocr._load_det_model(), engine._ocr._load_rec_model()]
    options = [model.session.session.get_session_options() for model in sessions]
    assert [o.enable_cpu_mem_arena for o in options] == [arena, arena]
    text = squash(" ".join(line.text for line in lines))
    assert "GREENLEAF" in text
    assert "6.84" in text
