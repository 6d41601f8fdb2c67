"""The bounded pool where CPU-bound work (decoding, OCR) runs, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class CpuPool:
    """A thread pool sized to the machine; ONNX Runtime, Pillow and pdfium release the GIL."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="foodscan-cpu")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:  # Any: fn's own arguments
        """Run ``fn(*args)`` in the pool and await its result, in the caller's context (its
        context variables: the job's pixel budget)."""
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await loop.run_in_executor(self._executor, call)

    def close(self) -> None:
        """Stop taking work; calls still running finish in the background."""
        self._executor.shutdown(wait=False, cancel_futures=True)
