"""Claims of a worker's free slots, gathered into one statement (``sql.claim_many``).

A slot that asks for a job joins the open gathering for its kinds; the gathering is one
operation of the next group-commit batch. When the batch runs it, the gathering closes (a slot
asking later opens the next one), and takes as many jobs as it has slots still waiting, in one
statement; after the commit the jobs are handed out in the order they were picked, the first
slot to ask getting the first job.

A slot that stopped waiting before the batch ran it, or that ``wanted`` no longer (its worker
began stopping), takes nothing; one that stopped waiting while the batch committed has its job
given back (``give_back``), as a single claim's orphaned lease was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from foodscan.jobs.group_commit import GroupCommit
from foodscan.jobs.transaction import Write

L = TypeVar("L")  # what a claim hands a slot (``queue.Lease``)
Take = Callable[[Write, int], Awaitable[list[L]]]  # claims up to n jobs in the open write


@dataclass(frozen=True, slots=True)
class _Ask(Generic[L]):
    done: asyncio.Future[L | None]
    wanted: Callable[[], bool] | None


class ClaimGatherer(Generic[L]):
    """Gathers concurrent claims with the same key (kinds, first steps) into one operation."""

    def __init__(self, group: GroupCommit, give_back: Callable[[L], None]) -> None:
        self.group = group
        self.give_back = give_back
        self._open: dict[Hashable, list[_Ask[L]]] = {}

    async def ask(
        self, key: Hashable, take: Take[L], wanted: Callable[[], bool] | None = None
    ) -> L | None:
        """One slot's claim: its job, or None when none was free for it."""
        ask: _Ask[L] = _Ask(asyncio.get_running_loop().create_future(), wanted)
        asks = self._open.get(key)
        if asks is None:
            asks = self._open[key] = []
            gathered = self.group.submit(self._operation(key, asks, take))
            gathered.add_done_callback(lambda done: self._hand_out(key, asks, done))
        asks.append(ask)
        return await ask.done

    def _operation(
        self, key: Hashable, asks: list[_Ask[L]], take: Take[L]
    ) -> Callable[[Write], Awaitable[list[tuple[_Ask[L], L]]]]:
        async def operation(tx: Write) -> list[tuple[_Ask[L], L]]:
            if self._open.get(key) is asks:
                del self._open[key]  # asks from now on join the next gathering
            live = [a for a in asks if not a.done.done() and (a.wanted is None or a.wanted())]
            taken = await take(tx, len(live)) if live else []
            return list(zip(live, taken, strict=False))

        return operation

    def _hand_out(
        self,
        key: Hashable,
        asks: list[_Ask[L]],
        done: asyncio.Future[list[tuple[_Ask[L], L]]],
    ) -> None:
        """After the batch: each job to its slot (or back, if its slot left); None to the rest,
        or the batch's error."""
        if self._open.get(key) is asks:  # the batch failed before it ran the operation
            del self._open[key]
        error = None if done.cancelled() else done.exception()
        handed = [] if done.cancelled() or error is not None else done.result()
        for ask, lease in handed:
            if ask.done.done():  # its slot stopped waiting while the batch committed
                self.give_back(lease)
            else:
                ask.done.set_result(lease)
        for ask in asks:
            if ask.done.done():
                continue
            if error is not None:
                ask.done.set_exception(error)
            elif done.cancelled():
                ask.done.cancel()
            else:
                ask.done.set_result(None)
