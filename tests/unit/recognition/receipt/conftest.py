"""Factories for parser tests: receipt rows laid out as OCR boxes, the way a photo gives them.

``receipt_lines`` turns rows of text into ``OcrLine``s with boxes: cells of a row are split on
``" | "``, the first cell is left-aligned and the last right-aligned (a price column), the page
may be tilted, and the lines come back shuffled, as an OCR engine may return them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.model import ReceiptParse

ReceiptLines = Callable[..., list[OcrLine]]
ParseRows = Callable[..., ReceiptParse]

CHAR_WIDTH = 12.0
ROW_HEIGHT = 30.0
TEXT_HEIGHT = 20.0
PAGE_WIDTH = 600.0


def _box(left: float, top: float, width: float, angle: float) -> tuple[tuple[float, float], ...]:
    corners = (
        (left, top),
        (left + width, top),
        (left + width, top + TEXT_HEIGHT),
        (left, top + TEXT_HEIGHT),
    )
    cos, sin = math.cos(angle), math.sin(angle)
    return tuple((x * cos - y * sin, x * sin + y * cos) for x, y in corners)


@pytest.fixture
def receipt_lines() -> ReceiptLines:
    """Build OCR lines from rows ("NAME | 1 x3,49 | 3,49 A"), tilted by ``degrees``."""

    def make(rows: list[str], *, degrees: float = 0.0, seed: int = 7) -> list[OcrLine]:
        angle = math.radians(degrees)
        lines = []
        for index, row in enumerate(rows):
            cells = [cell.strip() for cell in row.split(" | ") if cell.strip()]
            top = 20.0 + index * ROW_HEIGHT
            for position, cell in enumerate(cells):
                width = CHAR_WIDTH * len(cell)
                if position == 0:
                    left = 10.0
                elif position == len(cells) - 1:
                    left = PAGE_WIDTH - width
                else:
                    left = 10.0 + PAGE_WIDTH * position / len(cells)
                lines.append(OcrLine(cell, _box(left, top, width, angle), 0.95))
        random.Random(seed).shuffle(lines)
        return lines

    return make


@pytest.fixture
def parse_rows(receipt_lines: ReceiptLines) -> ParseRows:
    """Lay rows out as OCR lines and parse them."""

    def parse(rows: list[str], *, lang: str | None = None, degrees: float = 0.0) -> ReceiptParse:
        return parse_receipt(receipt_lines(rows, degrees=degrees), lang=lang)

    return parse
