"""Progress from inside an OCR read, carried from the pool thread to the job's progress events.

A step that reads text wraps each read in ``reporting(ctx, describe)``: while the read runs in
``ctx.cpu`` (a pool thread that sees the job task's context variables), the engine's reports
(``recognition.reading.progress``) are turned by ``describe`` into a message and the step's share
done, at most one every ``MIN_INTERVAL`` seconds, and handed to the event loop thread-safely
(``call_soon_threadsafe``). One sender task sends them in order, the newest only when several
wait, so the read never waits on the database. Leaving the block sends what is still waiting.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from foodscan.recognition.reading.progress import OcrProgress, ocr_listener

# About two events a second: the bar moves, the event log does not swell.
MIN_INTERVAL = 0.5


class Reports(Protocol):
    """Where progress goes: the job's ``pipelines.base.Context``."""

    async def progress(self, message: str, done: float) -> None: ...


# The message and the step's share done (0 to 1) for a report; None: say nothing for it.
Describe = Callable[[OcrProgress], tuple[str, float] | None]
_Report = tuple[str, float] | None


def lines_read(progress: OcrProgress) -> str:
    """What a report says: the lines found, then how many of them are read."""
    if progress.recognised == 0:
        return f"found {progress.lines} lines"
    return f"{progress.recognised} of {progress.lines} lines"


def page(number: int, pages: int) -> Describe:
    """How far the OCR of page ``number`` (of ``pages``) has got, for a step that reads pages
    one after another: "Reading text: page 1 of 2, 40 of 120 lines"."""

    def describe(progress: OcrProgress) -> tuple[str, float]:
        return f"Reading text: page {number} of {pages}, {lines_read(progress)}", (
            number - 1 + progress.done
        ) / pages

    return describe


def photo(index: int, count: int, shares: dict[int, float]) -> Describe:
    """How far the OCR of photo ``index`` (of ``count``, read side by side) has got: the step's
    share done is the mean of the photos' ``shares``, which this keeps. Once a photo's text is
    read, the reads of its barcode digits that follow say nothing."""

    def describe(progress: OcrProgress) -> tuple[str, float] | None:
        if shares.get(index, 0.0) >= 1.0:
            return None
        shares[index] = max(shares.get(index, 0.0), progress.done)
        message = f"Reading text: photo {index + 1} of {count}, {lines_read(progress)}"
        return message, sum(shares.values()) / count

    return describe


async def _send(ctx: Reports, waiting: asyncio.Queue[_Report]) -> None:
    """Send each report in order (the newest of those waiting) until the None that ends them."""
    while True:
        report = await waiting.get()
        ended = report is None
        while not waiting.empty():
            newer = waiting.get_nowait()
            if newer is None:
                ended = True
            else:
                report = newer
        if report is not None:
            await ctx.progress(*report)
        if ended:
            return


@asynccontextmanager
async def reporting(
    ctx: Reports,
    describe: Describe,
    *,
    interval: float = MIN_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[None]:
    """Report the progress of the OCR reads run (through ``ctx.cpu``) inside the block."""
    loop = asyncio.get_running_loop()
    waiting: asyncio.Queue[_Report] = asyncio.Queue()
    last = -math.inf
    # Set on leaving the block: a read abandoned there (a cancelled job) goes on in its thread,
    # maybe past the loop's end, and reports to nobody.
    closed = threading.Event()

    def listen(progress: OcrProgress) -> None:  # in the pool thread
        nonlocal last
        report = describe(progress)  # every report, so that ``describe`` may keep count
        now = clock()
        if report is not None and now - last >= interval and not closed.is_set():
            last = now
            loop.call_soon_threadsafe(waiting.put_nowait, report)

    sender = asyncio.create_task(_send(ctx, waiting))
    token = ocr_listener.set(listen)
    try:
        yield
    except BaseException:
        sender.cancel()
        raise
    finally:
        closed.set()
        ocr_listener.reset(token)
    # The reads are over: their reports were queued before their results reached this task.
    waiting.put_nowait(None)
    await sender
