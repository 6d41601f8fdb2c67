"""The API side of jobs: submit, get, list, cancel, retry. Every change writes its event too."""

from __future__ import annotations

import asyncio
import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.clock import Clock, utc_now
from foodscan.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    Limited,
    NotFound,
    TooMany,
)
from foodscan.jobs import limits, position, sql
from foodscan.jobs.group_commit import GroupCommit
from foodscan.jobs.job import InputFile, Job
from foodscan.jobs.states import Status
from foodscan.jobs.submit_alone import SubmitAlone
from foodscan.jobs.transaction import Bus, Write, write
from foodscan.settings import Settings
from foodscan.webhooks.outbox import Delivery, deliveries_of


@dataclass(frozen=True, slots=True)
class Submission:
    """What a client asked for; the API builds it after the uploads passed their checks."""

    user_id: str
    lane: str
    kind: str
    inputs: Sequence[InputFile]
    lang: str | None = None
    options: dict[str, Any] | None = None
    client_metadata: dict[str, Any] | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    callback_url: str | None = None  # None: the user's default (``FOODSCAN_WEBHOOK_URLS``), if any
    dedupe: bool = False  # without a key: the same upload's job, if there is one, answers


@dataclass(frozen=True, slots=True)
class Preflight:
    """What a submit asks before its uploads are stored (``JobStore.preflight``)."""

    user_id: str
    plan: str
    kind: str
    pages: int
    request_hash: str
    idempotency_key: str | None = None
    dedupe: bool = True  # without a key: answer with the same upload's job, if there is one


@dataclass(frozen=True, slots=True)
class JobView:
    """A job with its place in the queue (``position``/``eta_seconds`` only while queued)."""

    job: Job
    position: int | None = None
    eta_seconds: float | None = None
    deliveries: tuple[Delivery, ...] = ()  # its webhooks, read by ``get`` and ``list``


@dataclass(frozen=True, slots=True)
class Page:
    jobs: list[Job]
    next_cursor: str | None
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)


def encode_cursor(job: Job) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, job_id = raw.split("|", 1)
        moment = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc
    if moment.tzinfo is None:
        raise InvalidInput("invalid cursor")
    # SQLite compares stored UTC text, so an offset must become UTC before it is bound.
    return moment.astimezone(UTC), job_id


class JobStore:
    """Jobs as the API sees them, always scoped to one user."""

    def __init__(
        self, engine: AsyncEngine, bus: Bus, settings: Settings, *, clock: Clock = utc_now
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.settings = settings
        self.fair_share = position.fair_share(settings)
        self.clock = clock
        self.group = GroupCommit(engine, bus, clock=clock)
        # A submit alone in flight here goes on the driver (``SubmitAlone``: two round trips
        # on PostgreSQL); others share the group commit's transactions.
        self._alone = True
        self._alone_write = SubmitAlone(engine, bus, clock, self.fair_share)
        self._in_flight = 0

    async def find_idempotent(self, user_id: str, key: str, request_hash: str) -> JobView | None:
        """The job earlier submitted with this key; ``IdempotencyConflict`` if its input differs."""
        async with self.engine.connect() as conn:
            return await self._idempotent(conn, user_id, key, request_hash)

    async def _idempotent(
        self, conn: Any, user_id: str, key: str, request_hash: str
    ) -> JobView | None:
        row = await sql.get_by_idempotency_key(conn, user_id, key)
        if row is None:
            return None
        if row.request_hash != request_hash:
            raise IdempotencyConflict
        return await self._view(conn, row)

    async def preflight(self, ask: Preflight) -> JobView | None:
        """Before the uploads are stored: the job this Idempotency-Key made
        (``IdempotencyConflict`` if its input differs); else ``Limited`` if a new job would go
        over the plan's limits, unless (with ``dedupe``) the same upload already made a job,
        which answers whatever the limits. Without a key the same upload is looked for only
        when the limits refuse: ``submit`` looks for it in its transaction anyway, so a submit
        within its limits reads the database once here (the limits), or not at all on a plan
        without limits."""
        plan = self.settings.limits(ask.plan)
        if ask.idempotency_key is None and not limits.enforced(plan):
            return None
        async with self.engine.connect() as conn:
            if ask.idempotency_key is not None:
                found = await self._idempotent(
                    conn, ask.user_id, ask.idempotency_key, ask.request_hash
                )
                if found is not None:
                    return found
            try:
                await limits.check(
                    conn,
                    plan,
                    user_id=ask.user_id,
                    kind=ask.kind,
                    pages=ask.pages,
                    now=self.clock(),
                )
            except (Limited, TooMany):  # TooMany: more pages than a day allows
                earlier = None
                if ask.idempotency_key is None and ask.dedupe:
                    earlier = await self._duplicate(conn, ask.user_id, ask.request_hash)
                if earlier is None:
                    raise
                return earlier
            return None

    async def check_early(self, user_id: str, plan: str, idempotency_key: str | None) -> None:
        """``Limited`` if ``user_id`` is over a limit of ``plan`` already, before a submit's
        body is read (``limits.check_early``)."""
        await limits.check_early(
            self.engine,
            self.settings.limits(plan),
            user_id=user_id,
            idempotency_key=idempotency_key,
            now=self.clock(),
        )

    async def submit(self, sub: Submission, *, enforce_limits: bool = False) -> JobView:
        """Insert a queued job and its ``job.queued`` event in one transaction.

        With ``enforce_limits`` the plan's (``sub.lane``'s) limits are checked in the same
        transaction, serialised per user, so concurrent submits cannot pass a limit together.
        With ``sub.dedupe`` (and no Idempotency-Key) the same upload's job, if one exists, is
        looked up there too and answers instead: concurrent identical uploads make one job.
        """
        now = self.clock()
        job_id = str(uuid.uuid4())
        values = {
            "id": job_id,
            "user_id": sub.user_id,
            "kind": sub.kind,
            "lane": sub.lane,
            "status": Status.QUEUED,
            "max_attempts": self.settings.policy(sub.kind).max_attempts,
            "run_at": now,
            "idempotency_key": sub.idempotency_key,
            "request_hash": sub.request_hash,
            "inputs": [f.to_json() for f in sub.inputs],
            "lang": sub.lang,
            "options": sub.options or {},
            "client_metadata": sub.client_metadata,
            "created_at": now,
            "updated_at": now,
            "callback_url": sub.callback_url or self.settings.webhook_urls.get(sub.user_id),
        }

        dedupe = sub.dedupe and sub.idempotency_key is None and sub.request_hash is not None

        async def insert(tx: Write) -> JobView:
            if dedupe and (
                earlier := await self._duplicate(tx.conn, sub.user_id, sub.request_hash)
            ):
                return earlier
            if enforce_limits:
                await self._check_locked(tx, sub)
            # Its turn and place are read first and inserted with it (``sql.admit``).
            candidate = sql.Candidate(job_id, sub.user_id, sub.lane, sub.kind, now)
            tag, place, eta = await position.admit(tx.conn, self.fair_share, candidate, tx.now)
            row = await sql.insert_job(
                tx.conn, {**values, "fair_tag": tag, "queue_position": place}
            )
            await tx.event(row, "job.queued", position=place, eta_seconds=eta)
            tx.job_queued = True
            return JobView(Job.from_row(row), place, eta)

        locked = enforce_limits or dedupe
        alone = self._alone and not locked and self._in_flight == 0
        self._in_flight += 1
        try:
            if alone:
                # Shielded, as an operation of a group commit's running batch: a caller cancelled
                # mid-statement (a client gone) leaves the write to finish or fail whole, and
                # the connection back in the pool idle, not in a cancelled statement.
                row, data = await asyncio.shield(
                    asyncio.ensure_future(self._alone_write(sub, values))
                )
                view = JobView(Job.from_mapping(row), data["position"], data["eta_seconds"])
            else:
                # Concurrent submits (one per request) share a transaction: one commit for many.
                view = await self.group.run(insert, user_lock=sub.user_id if locked else None)
        except (Limited, IntegrityError):
            if sub.idempotency_key is None or sub.request_hash is None:
                raise
            # A concurrent submit with the same key won the race (the unique key refused this
            # one, or its job now counts against the limit): answer with its job; a replay is
            # never refused.
            found = await self.find_idempotent(sub.user_id, sub.idempotency_key, sub.request_hash)
            if found is None:
                raise
            return found
        finally:
            self._in_flight -= 1
        return view

    async def _duplicate(self, conn: Any, user_id: str, request_hash: str | None) -> JobView | None:
        """The user's live or succeeded job of the same request within upload retention."""
        if request_hash is None:
            return None
        since = self.clock() - timedelta(days=self.settings.upload_retention_days)
        row = await sql.find_duplicate(conn, user_id, request_hash, since)
        return None if row is None else await self._view(conn, row)

    async def _check_locked(self, tx: Write, sub: Submission) -> None:
        """The limits, under the user's lock (the batch took it: ``user_lock``)."""
        await limits.check(
            tx.conn,
            self.settings.limits(sub.lane),
            user_id=sub.user_id,
            kind=sub.kind,
            pages=sum(f.pages for f in sub.inputs),
            now=tx.now,
        )

    async def _requeued(self, tx: Write, row: sql.Row) -> JobView:
        """The ``job.queued`` of a job queued again, with its new place stored."""
        place, eta = await position.estimate(tx.conn, row, tx.now, self.fair_share)
        await sql.set_announced(tx.conn, {row.id: place}, tx.now)
        await tx.event(row, "job.queued", position=place, eta_seconds=eta)
        tx.job_queued = True
        return JobView(replace(Job.from_row(row), queue_position=place), place, eta)

    async def _view(self, conn: Any, row: sql.Row) -> JobView:
        if row.status != Status.QUEUED:
            return JobView(Job.from_row(row))
        place, eta = await position.estimate(conn, row, self.clock(), self.fair_share)
        return JobView(Job.from_row(row), place, eta)

    async def get(self, user_id: str, job_id: str) -> JobView:
        """One of the user's jobs; another user's job is ``NotFound``."""
        async with self.engine.connect() as conn:
            row = await sql.get_job(conn, job_id, user_id)
            if row is None:
                raise NotFound(f"no job {job_id}")
            view = await self._view(conn, row)
            found = await deliveries_of(conn, [job_id])
        return replace(view, deliveries=tuple(found.get(job_id, ())))

    async def list(
        self,
        user_id: str,
        *,
        status: str | None = None,
        kind: str | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page:
        """The user's jobs, newest first; ``next_cursor`` continues after the last one."""
        before = decode_cursor(cursor) if cursor else None
        async with self.engine.connect() as conn:
            rows = await sql.list_jobs(
                conn, user_id, status=status, kind=kind, before=before, limit=limit + 1
            )
            found = [Job.from_row(r) for r in rows[:limit]]
            hooks = await deliveries_of(conn, [job.id for job in found if job.callback_url])
        more = len(rows) > limit
        return Page(found, encode_cursor(found[-1]) if more and found else None, hooks)

    async def cancel(self, user_id: str, job_id: str) -> JobView:
        """Cancel a queued job now; ask a running one to stop (its worker does within a second)."""
        now = self.clock()
        async with write(self.engine, self.bus, now) as tx:
            row = await sql.cancel_queued(tx.conn, job_id, user_id, now)
            if row is not None:
                await tx.event(row, "job.cancelled")
                return JobView(Job.from_row(row))
            row = await sql.request_cancel(tx.conn, job_id, user_id, now)
            if row is not None:
                return JobView(Job.from_row(row))
            current = await sql.get_job(tx.conn, job_id, user_id)
        if current is None:
            raise NotFound(f"no job {job_id}")
        raise InvalidTransition(f"job {job_id} is {current.status} and cannot be cancelled")

    async def retry(self, user_id: str, job_id: str, plan: str | None = None) -> JobView:
        """Queue a failed or cancelled job again from its stored uploads.

        Under the user's lock, like a submit: the retry counts against ``plan``'s (default: the
        job's lane's) rate limit and active-jobs cap, not its pages budget (the first run paid).
        """
        now = self.clock()
        async with write(self.engine, self.bus, now) as tx:
            await sql.lock_user(tx.conn, user_id)
            current = await sql.get_job(tx.conn, job_id, user_id)
            if current is not None:
                retryable = current.status in (Status.FAILED, Status.CANCELLED)
                if retryable and current.inputs_purged_at is None:
                    await limits.check(
                        tx.conn,
                        self.settings.limits(plan or current.lane),
                        user_id=user_id,
                        kind=current.kind,
                        pages=0,
                        now=now,
                    )
                max_attempts = self.settings.policy(current.kind).max_attempts
                row = await sql.requeue_finished(tx.conn, current, now, max_attempts)
                if row is not None:
                    await sql.forget_retries(tx.conn, user_id, now - limits.MINUTE)
                    await sql.record_retry(tx.conn, job_id, user_id, now)
                    return await self._requeued(tx, row)
        if current is None:
            raise NotFound(f"no job {job_id}")
        if current.inputs_purged_at is not None:
            raise InvalidTransition(f"the uploads of job {job_id} were purged; submit it again")
        raise InvalidTransition(
            f"job {job_id} is {current.status}; only failed or cancelled jobs can be retried"
        )
