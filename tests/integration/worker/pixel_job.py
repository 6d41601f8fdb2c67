"""A products job's decoding, run alone in a fresh process so its memory can be measured.

``python -m tests.integration.worker.pixel_job PHOTO COUNT`` decodes COUNT copies of PHOTO as
the products pipeline does (every photo at once, through the worker's CPU pool, each image
held until all are decoded, as OCR holds it), under the worker's per-job memory handling, and
prints the resident memory before, at the peak and after the job, in MB, as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from foodscan.recognition.reading.images import decode_image
from foodscan.worker import memory
from foodscan.worker.cpu import CpuPool

MAX_PIXELS = 50_000_000  # the default FOODSCAN_MAX_PIXELS


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmRSS``) or at its peak (``VmHWM``), in MB.

    Not ``getrusage``'s ``ru_maxrss``: Linux carries the parent's resident size over the fork
    and exec into it, so a child of a large test process reported the parent's 3 GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


async def job(photo: bytes, count: int, cpu: CpuPool) -> tuple[int, int, int]:
    """The pixels decoded, and the job budget's most pixels in flight and capacity."""
    async with memory.job_memory(MAX_PIXELS) as budget:
        images = await asyncio.gather(
            *(cpu.run(lambda: decode_image(photo, max_pixels=MAX_PIXELS)) for _ in range(count))
        )
        return sum(image.width * image.height for image in images), budget.peak, budget.capacity


def main() -> None:
    photo, count = Path(sys.argv[1]).read_bytes(), int(sys.argv[2])
    mapped = memory.map_large_allocations()  # as the worker does when it starts
    cpu = CpuPool(count)
    before = resident_mb()
    decoded, in_flight, capacity = asyncio.run(job(photo, count, cpu))
    cpu.close()
    peak = resident_mb("VmHWM")
    figures = {
        "before": before,
        "peak": peak,
        "after": resident_mb(),
        "decoded": decoded,
        "pixels_in_flight": in_flight,
        "budget": capacity,
        "mapped": mapped,
    }
    print(json.dumps(figures))  # noqa: T201 - the parent test reads it


if __name__ == "__main__":
    main()
