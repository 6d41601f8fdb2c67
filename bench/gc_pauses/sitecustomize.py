"""Log the garbage collector's pauses of a ``foodscan serve`` process (a benchmark aid).

Put this folder on ``PYTHONPATH`` and name a file in ``GC_PAUSE_LOG``: every collection of 5 ms
or more in a ``foodscan serve`` process started then is one line (wall time, generation,
milliseconds, objects collected), written as it ends. Other processes are left alone.

    GC_PAUSE_LOG=gc-pauses.log PYTHONPATH=$PWD/src:$PWD:$PWD/bench/gc_pauses \\
        python bench/sse_fanout.py --batch 10 --clients 10000
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

_PATH = os.environ.get("GC_PAUSE_LOG")
_MIN_MS = 5.0


def _install(path: str) -> None:
    started = [0.0]
    log = open(path, "a", buffering=1)  # noqa: SIM115 - open for the process's whole life

    def pause(phase: str, info: dict[str, Any]) -> None:  # Any: gc's callback info
        if phase == "start":
            started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - started[0]) * 1000
        if ms >= _MIN_MS:
            log.write(
                f"{time.time():.3f} gen={info['generation']} ms={ms:.1f} "
                f"collected={info['collected']}\n"
            )

    gc.callbacks.append(pause)


if _PATH and sys.argv and sys.argv[0].endswith("foodscan") and "serve" in sys.argv:
    _install(_PATH)
