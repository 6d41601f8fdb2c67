"""The event log: append an event inside the caller's transaction; read events after an id, or
the latest of each unfinished job (where a stream without a cursor starts).

Each appended row becomes an ``EventRecord`` whose SSE frame is encoded here, once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import job_events, jobs
from foodscan.events.sse_frames import encode_event

READ_LIMIT = 500


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One appended event: its JSON payload (``type`` first) and its SSE frame, built once."""

    id: int
    job_id: str
    user_id: str
    type: str
    payload: dict[str, Any] = field(repr=False)
    frame: bytes = field(repr=False)

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_TYPES


TERMINAL_TYPES = frozenset({"job.succeeded", "job.failed", "job.cancelled"})


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_record(  # noqa: PLR0917 - the columns of one row, in table order
    event_id: int,
    job_id: str,
    user_id: str,
    type_: str,
    data: dict[str, Any],
    at: datetime,
    data_json: str | None = None,
) -> EventRecord:
    """Build the payload in contract order (type, id, timestamp, job_id, …) and its frame.

    ``data_json``: ``data`` already encoded (``encode_data``), spliced into the frame's text
    rather than encoded again."""
    payload = {"type": type_, "id": event_id, "timestamp": _timestamp(at), "job_id": job_id}
    if data_json is None or len(data_json) <= 2 or not _HEAD.isdisjoint(data):
        payload.update(data)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    else:
        head = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        text = head[:-1] + "," + data_json[1:]
        payload.update(data)
    return EventRecord(event_id, job_id, user_id, type_, payload, encode_event(event_id, text))


_HEAD = frozenset({"type", "id", "timestamp", "job_id"})


def encode_data(data: dict[str, Any]) -> str:
    """An event's data as JSON, once: the same text goes to the database and into its frame."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: about which job, whose, of what type, with what data."""

    job_id: str
    user_id: str
    type: str
    data: dict[str, Any]


def _locked_insert() -> sa.Insert:
    """PostgreSQL: take advisory locks (in the order given, each shared or exclusive), then
    insert the events (a JSON array, ``n`` their order) in that order, in one statement. The
    locks' subquery (one row: an aggregate over them) feeds every inserted row, so they are all
    held before the first id is drawn from the sequence; ids follow ``n``."""
    given = sa.cast(sa.bindparam("rows", type_=sa.String), JSONB)
    rows = (
        sa.func.jsonb_to_recordset(given)
        .table_valued(
            sa.column("n", sa.Integer),
            sa.column("job_id", sa.Text),
            sa.column("user_id", sa.Text),
            sa.column("type", sa.Text),
            sa.column("data", JSONB),
            name="e",
        )
        .render_derived(with_types=True)
    )
    keys = sa.bindparam("lock_keys", type_=ARRAY(sa.BigInteger))
    shared = sa.bindparam("lock_shared", type_=ARRAY(sa.Boolean))
    wanted = sa.func.unnest(keys, shared).table_valued("key", "shared", name="w").render_derived()
    take = sa.case(
        (wanted.c.shared, sa.func.pg_advisory_xact_lock_shared(wanted.c.key)),
        else_=sa.func.pg_advisory_xact_lock(wanted.c.key),
    )
    lock = sa.select(sa.func.count(take).label("held")).select_from(wanted).subquery("l")
    at = sa.bindparam("at", type_=job_events.c.created_at.type)
    source = (
        sa.select(rows.c.job_id, rows.c.user_id, rows.c.type, rows.c.data, at)
        .select_from(lock.join(rows, sa.true()))
        .order_by(rows.c.n)
    )
    columns = ["job_id", "user_id", "type", "data", "created_at"]
    return job_events.insert().from_select(columns, source).returning(job_events.c.id)


_LOCKED_INSERT = _locked_insert()


async def append_many(
    conn: AsyncConnection,
    events: Sequence[NewEvent],
    at: datetime,
    *,
    order_locks: Sequence[tuple[int, bool]] = (),
) -> list[EventRecord]:
    """Insert events in one statement, in the caller's transaction; records in the same order.

    Ids come from the table's sequence in the order given (``sort_by_parameter_order`` pairs
    each returned id with its row), so a job's events keep the order they were appended in.
    ``order_locks`` (PostgreSQL): the advisory locks to take first, in that order, as
    (key, shared), in the same statement."""
    if not events:
        return []
    if order_locks and conn.dialect.name == "postgresql":
        return await _append_locked(conn, events, at, order_locks)
    rows = [
        {"job_id": e.job_id, "user_id": e.user_id, "type": e.type, "data": e.data, "created_at": at}
        for e in events
    ]
    query = job_events.insert().returning(job_events.c.id, sort_by_parameter_order=True)
    ids = (await conn.execute(query, rows)).scalars().all()
    return _appended(ids, events, at)


async def _append_locked(
    conn: AsyncConnection,
    events: Sequence[NewEvent],
    at: datetime,
    order_locks: Sequence[tuple[int, bool]],
) -> list[EventRecord]:
    encoded = [encode_data(e.data) for e in events]
    # The rows' JSON is written around each event's data, encoded once (``encode_data``).
    rows = ",".join(
        f'{{"n":{n},"job_id":{_text(e.job_id)},"user_id":{_text(e.user_id)},'
        f'"type":{_text(e.type)},"data":{data}}}'
        for n, (e, data) in enumerate(zip(events, encoded, strict=True))
    )
    params = {
        "rows": f"[{rows}]",
        "lock_keys": [key for key, _ in order_locks],
        "lock_shared": [shared for _, shared in order_locks],
        "at": at,
    }
    # Ids were drawn in ``n`` order, so sorted ids pair with the events as given.
    ids = sorted((await conn.execute(_LOCKED_INSERT, params)).scalars())
    return _appended(ids, events, at, encoded)


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _appended(
    ids: Sequence[int],
    events: Sequence[NewEvent],
    at: datetime,
    encoded: Sequence[str | None] | None = None,
) -> list[EventRecord]:
    """The records of appended events, given their ids in the same order (and their data's
    JSON, where it was encoded for the statement)."""
    datas = encoded if encoded is not None else [None] * len(events)
    return [
        to_record(event_id, e.job_id, e.user_id, e.type, e.data, at, data_json)
        for event_id, e, data_json in zip(ids, events, datas, strict=True)
    ]


def _records(rows: Sequence[sa.Row[Any]]) -> list[EventRecord]:
    return [to_record(r.id, r.job_id, r.user_id, r.type, r.data, r.created_at) for r in rows]


async def _read_after(
    conn: AsyncConnection, channel: sa.ColumnElement[bool], after: int, limit: int
) -> list[EventRecord]:
    rows = await conn.execute(
        sa.select(job_events)
        .where(channel, job_events.c.id > after)
        .order_by(job_events.c.id)
        .limit(limit)
    )
    return _records(rows.all())


async def read_job(
    conn: AsyncConnection, job_id: str, *, after: int = 0, limit: int = READ_LIMIT
) -> list[EventRecord]:
    """Events of one job with an id above ``after``, oldest first."""
    return await _read_after(conn, job_events.c.job_id == job_id, after, limit)


async def read_user(
    conn: AsyncConnection, user_id: str, *, after: int = 0, limit: int = READ_LIMIT
) -> list[EventRecord]:
    """Events of every job of one user with an id above ``after``, oldest first."""
    return await _read_after(conn, job_events.c.user_id == user_id, after, limit)


async def read_ids(conn: AsyncConnection, ids: Sequence[int]) -> list[EventRecord]:
    """The events with these ids (those still in the log), oldest first."""
    if not ids:
        return []
    rows = await conn.execute(
        sa.select(job_events).where(job_events.c.id.in_(list(ids))).order_by(job_events.c.id)
    )
    return _records(rows.all())


async def last_id(conn: AsyncConnection) -> int:
    """The highest event id in the log (0 when empty): "now", for a stream without a cursor."""
    found = await conn.scalar(sa.select(sa.func.max(job_events.c.id)))
    return int(found or 0)


async def read_latest(
    conn: AsyncConnection, user_id: str, statuses: Sequence[str]
) -> list[EventRecord]:
    """The latest event of each of the user's jobs in one of ``statuses``, oldest first."""
    latest = (
        sa.select(sa.func.max(job_events.c.id))
        .select_from(job_events.join(jobs, jobs.c.id == job_events.c.job_id))
        .where(jobs.c.user_id == user_id, jobs.c.status.in_(list(statuses)))
        .group_by(job_events.c.job_id)
    )
    rows = await conn.execute(
        sa.select(job_events).where(job_events.c.id.in_(latest)).order_by(job_events.c.id)
    )
    return _records(rows.all())
