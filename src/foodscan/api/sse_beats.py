"""``Beats``: the heartbeats of every open SSE stream of this process, from one timer.

A stream that was quiet for its wait (drawn between half and all of ``sse_heartbeat_s``, anew
each time, so streams opened together do not beat together; never longer than the period) is
told to send a ``: heartbeat``.
One task ticks a wheel of slots (one per ``tick_s``) instead of one timer per stream: a waiting
stream then holds no timer handle, no timeout and no task of its own, and an event sent on a
stream only moves its due time (a float), never its slot; the wheel re-files a stream whose
time moved when its old slot comes up. The task starts with the first stream and ends with
the last, so the app needs no lifespan hook for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Protocol

MAX_TICK_S = 0.25  # at 10,000 streams and 15 s, about 330 beats per tick


class Beating(Protocol):
    """A stream the wheel keeps: when its heartbeat is due, and how to tell it."""

    beat_at: float
    beat_slot: int

    def beat(self) -> None:
        """Its heartbeat is due: send one (unless it is already sending something)."""


class Beats:
    """The heartbeat wheel of one app: ``add`` a stream when it goes live, ``remove`` it when
    it ends; ``quiet`` after each thing it sends moves its next heartbeat."""

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self.tick_s = min(MAX_TICK_S, period_s / 8)
        self._slots: dict[int, set[Beating]] = {}
        self._ticking: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return sum(len(slot) for slot in self._slots.values())

    def quiet(self, stream: Beating, now: float) -> None:
        """``stream`` just sent something: its next heartbeat after a fresh quiet wait."""
        # Due at most one tick before the period ends: the tick that finds it late keeps the
        # quiet gap within ``sse_heartbeat_s``.
        latest = self.period_s - self.tick_s
        stream.beat_at = now + random.uniform(self.period_s / 2, latest)  # noqa: S311 - spreading load, not secrecy

    def add(self, stream: Beating, now: float) -> None:
        """Keep ``stream``'s heartbeats from now on."""
        self.quiet(stream, now)
        self._file(stream)
        if self._ticking is None or self._ticking.done():
            self._ticking = asyncio.get_running_loop().create_task(self._tick())

    def remove(self, stream: Beating) -> None:
        """Forget ``stream`` (it ended); the timer stops with the last one."""
        slot = self._slots.get(stream.beat_slot)
        if slot is not None:
            slot.discard(stream)
            if not slot:
                del self._slots[stream.beat_slot]
        if not self._slots and self._ticking is not None:
            self._ticking.cancel()
            self._ticking = None

    def _file(self, stream: Beating) -> None:
        stream.beat_slot = int(stream.beat_at / self.tick_s)
        self._slots.setdefault(stream.beat_slot, set()).add(stream)

    def due(self, now: float) -> None:
        """Tell every stream whose heartbeat is due by ``now``; re-file those whose time moved."""
        last = int(now / self.tick_s)
        for number in sorted(n for n in self._slots if n <= last):
            for stream in self._slots.pop(number):
                if stream.beat_at <= now:
                    stream.beat()
                    self.quiet(stream, now)
                self._file(stream)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(asyncio.CancelledError):
            while self._slots:
                now = loop.time()
                await asyncio.sleep(self.tick_s - now % self.tick_s)
                self.due(loop.time())
