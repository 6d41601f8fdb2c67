"""The serving process's garbage-collector schedule: long-lived objects kept out of the
collector's walks, the cyclic garbage of closed connections reclaimed in bounded sweeps.

Each open event stream keeps about 60 objects the collector tracks (its task and coroutines,
the connection's protocol, transport and socket; 150 when streams went through FastAPI's
routing), so 10,000 streams are 600,000: CPython's full collections walk them all, find
nothing, and stall every stream's events meanwhile.
Every ``period_s`` the schedule collects what is not frozen (cheap: frozen objects are skipped),
then freezes the survivors (``gc.freeze``, constant time), so the automatic collections only
ever walk what was made since the last tick.

Frozen objects are never examined again, so a cycle among them that becomes garbage stays: a
closed connection leaves one (asyncio's socket transport holds itself through a bound method,
about 5 objects). A sweep (``gc.unfreeze``, a full collection, freeze again) reclaims them; it
runs when the streams closed since the last sweep reach a quarter of those open (CPython's own
25 % rule for full collections) and at least ``min_closed``, and every ``sweep_every_s``
whatever closed (plain HTTP connections are not counted), so what closed connections keep is
bounded. A sweep costs what one full collection costs; at 10,000 streams it is the one pause.

Only ``foodscan serve`` starts it (``create_app(collector=True)``); tests build many apps in one
process and keep the default collector. It knows the hub only through two counts.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from enum import Enum

logger = logging.getLogger(__name__)

PERIOD_S = 1.0
MIN_CLOSED = 256
SWEEP_EVERY_S = 600.0


class Tick(Enum):
    """What one tick did."""

    FREEZE = "freeze"
    SWEEP = "sweep"


class CollectorSchedule:
    """Freeze the survivors every ``period_s``; sweep the frozen set when enough streams closed.

    ``opened`` and ``closed`` count the streams (hub subscriptions) ever opened and closed."""

    def __init__(
        self,
        *,
        opened: Callable[[], int],
        closed: Callable[[], int],
        period_s: float = PERIOD_S,
        min_closed: int = MIN_CLOSED,
        sweep_every_s: float = SWEEP_EVERY_S,
    ) -> None:
        self.opened = opened
        self.closed = closed
        self.period_s = period_s
        self.min_closed = min_closed
        self.sweep_every_s = sweep_every_s
        self._closed_at_sweep = closed()
        self._swept_at = time.monotonic()

    def due(self, now: float) -> bool:
        """Whether the next tick sweeps: enough streams closed, or ``sweep_every_s`` passed."""
        closed = self.closed()
        still_open = self.opened() - closed
        since = closed - self._closed_at_sweep
        enough = since >= max(self.min_closed, still_open / 4)
        return enough or now - self._swept_at >= self.sweep_every_s

    def tick(self, now: float | None = None) -> Tick:
        """Collect what is not frozen and freeze the survivors, or sweep when ``due``."""
        now = time.monotonic() if now is None else now
        if not self.due(now):
            gc.collect()
            gc.freeze()
            return Tick.FREEZE
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._closed_at_sweep = self.closed()
        self._swept_at = now
        logger.info(
            "collector sweep: %d unreachable, %d objects kept, %.0f ms",
            found,
            gc.get_freeze_count(),
            (time.perf_counter() - started) * 1000,
        )
        return Tick.SWEEP

    async def run(self) -> None:
        """Tick every ``period_s`` until cancelled; the objects stay frozen after (the process
        is stopping)."""
        while True:
            await asyncio.sleep(self.period_s)
            self.tick()
