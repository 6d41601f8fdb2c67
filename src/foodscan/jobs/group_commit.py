"""Group commit: the writes of one worker process share transactions.

Each call queues one operation (a function of the open ``Write``) and waits for the commit that
carried it. One flusher runs the queued operations in order in one transaction: their guarded
updates, then all their events in one append, one NOTIFY and one commit, as River's completer
batches completions. While a batch commits, the next one gathers: a worker with many slots
commits many jobs at the cost of one.

Nothing weakens: every operation is still its own guarded update, so a batch cannot finish a
job twice. An operation that refused before writing (``LeaseLost``: its guard failed;
``Limited``: over a plan's limit) fails alone. An error that aborts the transaction (a unique
key, say) makes the flusher run that batch again one operation per transaction, so one bad
write cannot sink the others. The API's submits and a worker's claims and outcomes use it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.errors import LeaseLost, Limited
from foodscan.jobs import sql
from foodscan.jobs.transaction import Bus, Write, write

logger = logging.getLogger(__name__)

MAX_BATCH = 200

T = TypeVar("T")
Operation = Callable[[Write], Awaitable[T]]


@dataclass(slots=True)
class _Queued(Generic[T]):
    operation: Operation[T]
    done: asyncio.Future[T]
    orphaned: Callable[[T], None] | None = None  # called with a result nobody waits for
    user_lock: str | None = None  # a user whose submits it serialises (``sql.lock_user``)
    outcome: tuple[bool, Any] = field(default=(False, None))


class GroupCommit:
    """Runs operations in shared transactions, in the order they were queued."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.clock = clock  # a batch's ``tx.now``
        self.max_batch = max_batch
        self._queue: deque[_Queued[Any]] = deque()
        self._flusher: asyncio.Task[None] | None = None

    async def run(
        self,
        operation: Operation[T],
        *,
        orphaned: Callable[[T], None] | None = None,
        user_lock: str | None = None,
    ) -> T:
        """Run ``operation`` in the next batch; return its result once that batch committed.

        A caller cancelled before its batch started skips its operation; ``orphaned`` gets the
        result of one cancelled while its batch ran (a claimed lease to give back, say).
        ``user_lock``: the batch takes that user's lock before any operation runs; a batch
        takes its users' locks in sorted order, so two batches cannot deadlock on them."""
        return await self.submit(operation, orphaned=orphaned, user_lock=user_lock)

    def submit(
        self,
        operation: Operation[T],
        *,
        orphaned: Callable[[T], None] | None = None,
        user_lock: str | None = None,
    ) -> asyncio.Future[T]:
        """Queue ``operation`` for the next batch without waiting (``run`` awaits this): the
        future gets its result once that batch committed; cancelled before the batch starts,
        the operation is skipped."""
        queued: _Queued[T] = _Queued(operation, asyncio.get_running_loop().create_future())
        queued.orphaned = orphaned
        queued.user_lock = user_lock
        self._queue.append(queued)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="foodscan-group-commit")
        return queued.done

    async def drain(self) -> None:
        """Wait until everything queued so far has been committed (or has failed)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait({self._flusher})

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the other slots queue what they are about to
        while self._queue:
            batch: list[_Queued[Any]] = []
            while self._queue and len(batch) < self.max_batch:
                queued = self._queue.popleft()
                if not queued.done.cancelled():
                    batch.append(queued)
            if batch:
                await self._commit(batch)

    async def _commit(self, batch: list[_Queued[Any]]) -> None:
        try:
            async with write(self.engine, self.bus, self.clock()) as tx:
                for user in sorted({q.user_lock for q in batch if q.user_lock is not None}):
                    await sql.lock_user(tx.conn, user)
                for queued in batch:
                    queued.outcome = await _attempt(queued.operation, tx)
        except Exception as exc:
            if len(batch) > 1:
                logger.warning("a batch of %d writes failed; writing them one by one", len(batch))
                for queued in batch:
                    await self._commit([queued])
                return
            batch[0].outcome = (False, exc)
        except BaseException:  # the flusher was cancelled: nothing committed
            for queued in batch:
                queued.done.cancel()
            raise
        for queued in batch:
            _settle(queued, queued.outcome)


async def _attempt(operation: Operation[Any], tx: Write) -> tuple[bool, Any]:
    """(True, result), or (False, error) when the operation refused before it wrote anything
    (its guard failed: ``LeaseLost``; a plan limit: ``Limited``), so the others go on."""
    try:
        return True, await operation(tx)
    except (LeaseLost, Limited) as exc:
        return False, exc


def _settle(queued: _Queued[Any], outcome: tuple[bool, Any]) -> None:
    ok, value = outcome
    if queued.done.done():
        if ok and queued.orphaned is not None:
            queued.orphaned(value)
        return
    if ok:
        queued.done.set_result(value)
    else:
        queued.done.set_exception(value)
