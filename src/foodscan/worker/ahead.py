"""When a slot claims its next job ahead: shortly before its job's body is expected to end.

A slot that claims only once its job's body is over waits for that claim's commit (a
group-commit batch: a few ms on a quiet machine, tens under load) between every two jobs; for
short jobs that wait is a large share of the slot's time. So a slot asks for its next job a
little before its current body is expected to end, and starts it the moment that body is over,
while the outcome commits. The claim-ahead is bounded, so a job claimed ahead does not sit held
while another worker could run it:

- one job per slot, asked once per job, only for a kind whose bodies end predictably (a moving
  mean and mean deviation of its last bodies, after ``MIN_BODIES`` of them);
- asked ``lead`` before the expected end: twice the claims' recent time to commit plus the
  deviation, so the claim commits just before the body ends;
- not at all where the expected hold (the claim's time plus twice the deviation) would exceed
  half of ``hold_s``; and a job still held after ``hold_s`` (its slot's body ran long) goes
  back to the queue, as every held job does when the worker stops or its user cancels it
  (``runtime.Worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

HOLD_S = 0.25  # the longest a job claimed ahead waits for its slot before it goes back
MIN_BODIES = 5  # bodies of a kind seen before its slots claim ahead
WEIGHT = 0.1  # the newest body's weight in its kind's moving figures
CLAIM_WEIGHT = 0.2  # the newest claim's weight in the claims' moving time


@dataclass(slots=True)
class _Bodies:
    mean: float
    deviation: float = 0.0
    count: int = 1


@dataclass(slots=True)
class _Held:
    stop_reason: str | None = None
    stopped: asyncio.Event = field(default_factory=asyncio.Event)


class ClaimAhead:
    """One worker's claims ahead: when to ask (moving figures of how long each kind's bodies
    and the claims take), and the jobs its slots hold meanwhile."""

    def __init__(self, *, lease_s: float, hold_s: float = HOLD_S) -> None:
        # A held job goes back well before its lease (not renewed while held) could run out.
        self.hold_s = min(hold_s, lease_s / 4)
        self.claim_s = 0.0
        self._kinds: dict[str, _Bodies] = {}
        self._held: dict[str, _Held] = {}  # job id → a job claimed ahead, not started yet

    @property
    def held(self) -> int:
        """How many jobs the slots hold now."""
        return len(self._held)

    def body_ended(self, kind: str, seconds: float) -> None:
        """A body of ``kind`` ran to its result in ``seconds`` (failures are not counted)."""
        bodies = self._kinds.get(kind)
        if bodies is None:
            self._kinds[kind] = _Bodies(seconds)
            return
        bodies.deviation += WEIGHT * (abs(seconds - bodies.mean) - bodies.deviation)
        bodies.mean += WEIGHT * (seconds - bodies.mean)
        bodies.count += 1

    def claimed(self, seconds: float) -> None:
        """A claim took ``seconds`` from the slot's ask to its answer."""
        self.claim_s += CLAIM_WEIGHT * (seconds - self.claim_s)

    def delay(self, kind: str) -> float | None:
        """Seconds after a body of ``kind`` began to ask for the slot's next job; None: not
        ahead (too few bodies seen, or bodies too uneven, or claims too slow, to hold a job
        briefly)."""
        bodies = self._kinds.get(kind)
        if bodies is None or bodies.count < MIN_BODIES:
            return None
        if self.claim_s + 2 * bodies.deviation > self.hold_s / 2:
            return None
        return max(0.0, bodies.mean - 2 * self.claim_s - bodies.deviation)

    async def until_claim(self, kind: str, freed: asyncio.Event) -> None:
        """Wait until a body of ``kind`` that begins now is over (``freed``), or until its
        slot's next job is due to be claimed ahead."""
        delay = self.delay(kind)
        if delay is None:
            await freed.wait()
        elif delay > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await freed.wait()

    async def hold(self, job_id: str, freed: asyncio.Event, stopping: asyncio.Event) -> str | None:
        """Hold a job claimed ahead until its slot's body is over (``freed``): None, run it
        now; else why it must go back instead — ``cancel`` or ``shutdown`` (``stop``, or the
        worker ``stopping``), ``held`` (the body ran past ``hold_s``)."""
        if freed.is_set() and not stopping.is_set():
            return None
        held = self._held[job_id] = _Held()
        waits = [asyncio.ensure_future(e.wait()) for e in (freed, held.stopped, stopping)]
        try:
            await asyncio.wait(waits, timeout=self.hold_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            del self._held[job_id]
        if held.stop_reason is not None:
            return held.stop_reason
        if stopping.is_set():
            return "shutdown"
        return None if freed.is_set() else "held"

    def stop(self, job_id: str, reason: str) -> None:
        """A held job must go back (its user cancelled it, say); no-op for any other job."""
        held = self._held.get(job_id)
        if held is not None and held.stop_reason is None:
            held.stop_reason = reason
            held.stopped.set()
