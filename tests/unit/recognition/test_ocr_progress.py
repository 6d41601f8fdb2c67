"""Progress from inside a RapidOCR read: the lines found, then each batch of lines read, carried
from the pool thread to the step's reports (``pipelines.ocr_progress``); the text read is the
same as without anyone listening."""

from __future__ import annotations

import asyncio
import itertools

from foodscan.pipelines import ocr_progress
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.recognition.reading.progress import OcrProgress, ocr_listener
from tests.unit.recognition.conftest import ReceiptImage

ROWS = [f"ITEM{n:02d}      {n}.{n % 10}9" for n in range(1, 9)]


class Reports:
    """Records what a step would send as its progress."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []

    async def progress(self, message: str, done: float) -> None:
        self.sent.append((message, done))


async def test_a_read_reports_its_lines_found_then_each_batch(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    image = receipt_image(ROWS)
    quiet = ocr_engine.read(image)
    reports = Reports()
    ticks = itertools.count(0.0, 1.0)  # a second between reports: none is held back

    async with ocr_progress.reporting(reports, ocr_progress.page(2, 2), clock=lambda: next(ticks)):
        heard = await asyncio.to_thread(ocr_engine.read, image)

    assert heard == quiet
    messages = [message for message, _ in reports.sent]
    found = len(quiet)  # every box detected here holds text the recogniser is sure of
    assert found > 12  # three batches of six and more
    batches = [*range(6, found, 6), found]
    assert messages == [
        f"Reading text: page 2 of 2, found {found} lines",
        *(f"Reading text: page 2 of 2, {n} of {found} lines" for n in batches),
    ]
    shares = [done for _, done in reports.sent]
    assert shares == sorted(shares)
    assert shares[0] > 0.5  # page 1 of 2 is read already
    assert shares[-1] == 1.0


async def test_reports_closer_than_the_interval_are_held_back() -> None:
    reports = Reports()
    now = [0.0]

    async with ocr_progress.reporting(reports, ocr_progress.page(1, 1), clock=lambda: now[0]):
        listen = ocr_listener.get()
        assert listen is not None
        for recognised, at in [(0, 0.0), (6, 0.2), (12, 0.6), (18, 0.7), (24, 1.2)]:
            now[0] = at
            await asyncio.to_thread(listen, OcrProgress(24, recognised))

    assert [message for message, _ in reports.sent] == [
        "Reading text: page 1 of 1, found 24 lines",
        "Reading text: page 1 of 1, 12 of 24 lines",
        "Reading text: page 1 of 1, 24 of 24 lines",
    ]
    assert ocr_listener.get() is None


async def test_photos_read_side_by_side_share_the_step() -> None:
    shares = dict.fromkeys(range(2), 0.0)
    first, second = ocr_progress.photo(0, 2, shares), ocr_progress.photo(1, 2, shares)

    assert first(OcrProgress(10, 10)) == ("Reading text: photo 1 of 2, 10 of 10 lines", 0.5)
    assert second(OcrProgress(4, 0)) == ("Reading text: photo 2 of 2, found 4 lines", 0.6)
    # The first photo's text is read: the reads of its barcode's digits say nothing.
    assert first(OcrProgress(1, 0)) is None
    assert shares == {0: 1.0, 1: 0.2}
