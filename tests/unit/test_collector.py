"""When the collector schedule sweeps the frozen set (enough streams closed, or long enough),
and that a sweep frees the cycles that became garbage while frozen."""

from __future__ import annotations

import gc
import time

from foodscan.collector import CollectorSchedule, Tick


class Counts:
    """The hub's two stream counts, set by the test."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0


def _schedule(counts: Counts) -> CollectorSchedule:
    return CollectorSchedule(
        opened=lambda: counts.opened,
        closed=lambda: counts.closed,
        min_closed=100,
        sweep_every_s=600.0,
    )


def test_a_few_closed_streams_do_not_sweep() -> None:
    counts = Counts()
    schedule = _schedule(counts)
    counts.opened, counts.closed = 1000, 99
    assert not schedule.due(now=time.monotonic() + 1)


def test_a_quarter_of_the_open_streams_closed_sweeps() -> None:
    counts = Counts()
    schedule = _schedule(counts)
    counts.opened = 10_000
    counts.closed = 2_000  # 8,000 open still: a quarter is 2,000
    assert schedule.due(now=time.monotonic() + 1)
    counts.closed = 1_999
    assert not schedule.due(now=time.monotonic() + 1)


def test_min_closed_bounds_sweeps_when_few_are_open() -> None:
    counts = Counts()
    schedule = _schedule(counts)
    counts.opened, counts.closed = 120, 100
    assert schedule.due(now=time.monotonic() + 1)


def test_a_sweep_is_due_after_sweep_every_s_whatever_closed() -> None:
    schedule = _schedule(Counts())
    assert not schedule.due(now=time.monotonic() + 599)
    assert schedule.due(now=time.monotonic() + 600)


class Cycle:
    """A marker object that refers to itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def _unreachable_cycles() -> int:
    """How many ``Cycle`` objects a full collection of everything finds unreachable."""
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return sum(isinstance(o, Cycle) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_sweep_frees_cycles_that_died_frozen() -> None:
    counts = Counts()
    schedule = _schedule(counts)
    try:
        alive = [Cycle() for _ in range(500)]
        counts.opened = 500
        assert schedule.tick() is Tick.FREEZE  # they survive: frozen
        del alive  # now garbage, but frozen: no automatic collection looks at them
        gc.collect()
        counts.closed = 500
        assert schedule.tick() is Tick.SWEEP
        assert _unreachable_cycles() == 0
    finally:
        gc.unfreeze()


def test_without_a_sweep_frozen_cycles_stay() -> None:
    """The check above can fail: a freeze alone leaves them."""
    counts = Counts()
    schedule = _schedule(counts)
    try:
        alive = [Cycle() for _ in range(500)]
        assert schedule.tick() is Tick.FREEZE
        del alive
        gc.collect()
        assert schedule.tick() is Tick.FREEZE
        assert _unreachable_cycles() == 500
    finally:
        gc.unfreeze()
