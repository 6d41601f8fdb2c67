"""What a job's decoding costs in memory, and that it goes back to the system after the job.

Three parts. Each job runs under its own ``PixelBudget`` (``recognition.reading.images``), so
its images decode at full size a few at a time. Large allocations (Pillow's image blocks, big
arrays) are mapped, not carved from malloc's arenas: glibc otherwise raises its mmap threshold
after the first large free, then keeps later blocks in per-thread arenas, where a ten-photo job
left 2.7 GB resident. And after each job that decoded images the arenas are trimmed
(``malloc_trim``), in a thread: with gigabytes free it takes most of a second. The malloc calls
exist on glibc only; elsewhere they are skipped.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from foodscan.recognition.reading.images import PixelBudget, job_budget

logger = logging.getLogger(__name__)

# Full-size decodes a job may hold at once, in images of the largest size accepted.
BUDGET_IMAGES = 2
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
# Pillow's image blocks are up to 16 MiB; anything from 4 MiB is mapped and unmapped when freed.
_MMAP_THRESHOLD = 4 * 1024 * 1024


@cache
def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def map_large_allocations() -> bool:
    """Have malloc map every allocation from 4 MiB (once per process); False where it cannot."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))


def release() -> bool:
    """Give malloc's free memory back to the system; whether any was (False off glibc)."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


@asynccontextmanager
async def job_memory(max_pixels: int) -> AsyncIterator[PixelBudget]:
    """Run a job's block under its own pixel budget, then trim what it freed."""
    budget = PixelBudget(BUDGET_IMAGES * max_pixels)
    token = job_budget.set(budget)
    try:
        yield budget
    finally:
        job_budget.reset(token)
        if budget.peak:  # only a job that decoded images freed enough to be worth a trim
            await asyncio.to_thread(release)
