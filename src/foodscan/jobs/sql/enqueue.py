"""PostgreSQL: a submit in two round trips, outside any explicit transaction.

A submit through SQLAlchemy was seven round trips (BEGIN, the admission read, the job insert, the
event insert with its event-order locks, NOTIFY, COMMIT) and most of its CPU was their sends
and SQLAlchemy's per-statement Python. Here, on the pooled connection's own asyncpg driver:

1. the admission read (``admission``'s statement, compiled once per policy and lane), on its
   own: it takes no lock, so inside the write's transaction (READ COMMITTED) it saw what it
   sees here;
2. ``WRITE``: one statement that inserts the job, then takes the event-order locks
   (``usage.event_order_locks``: the global key shared, then the user's), then appends its
   ``job.queued`` event (its id drawn after the locks, as ``log.append_many`` does) and
   NOTIFYs both channels. A single statement outside a transaction block commits when it ends,
   so the locks are held until that commit and the notices are sent with it, as before.

The job row is inserted before the locks are taken (the lock CTEs read its row), as in the
transaction path, where the events are appended last: a writer holding a user's event-order
lock never waits for a job row or an index entry (an Idempotency-Key's) held by another.

Used for a submit that has no user lock to take (no plan limits, no dedupe) and nothing else of
its store in flight (``JobStore.submit``); every other submit, and SQLite, goes through the
group commit's transaction, with the same values (``tests/integration/jobs/
test_submit_one_statement.py`` holds the two paths to the same rows and events).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from foodscan.db.tables import job_events, jobs

# ``jobs``' columns a submit sets, in the order of ``WRITE``'s first parameters ($1…$18).
JOB_COLUMNS = (
    "id",
    "user_id",
    "kind",
    "lane",
    "status",
    "max_attempts",
    "run_at",
    "idempotency_key",
    "request_hash",
    "inputs",
    "lang",
    "options",
    "client_metadata",
    "created_at",
    "updated_at",
    "callback_url",
    "fair_tag",
    "queue_position",
)
_JSON = frozenset({"inputs", "options", "client_metadata"})

# $1…$18: ``JOB_COLUMNS``; $19, $20: the event-order keys (global, shared; the user's);
# $21…$23: the event's type, data (JSON text) and time; $24, $25: the channels to NOTIFY.
_JOB = """
WITH job AS (
    INSERT INTO jobs (id, user_id, kind, lane, status, max_attempts, run_at, idempotency_key,
                      request_hash, inputs, lang, options, client_metadata, created_at,
                      updated_at, callback_url, fair_tag, queue_position)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13::jsonb, $14,
            $15, $16, $17, $18)
    RETURNING *
), ordered AS (  -- after the job row: each lock CTE reads the row before it
    SELECT job.id, job.user_id, pg_advisory_xact_lock_shared($19::bigint) AS held FROM job
), locked AS (
    SELECT ordered.id, ordered.user_id, pg_advisory_xact_lock($20::bigint) AS held FROM ordered
), event AS (  -- its id drawn once both locks are held
    INSERT INTO job_events (job_id, user_id, type, data, created_at)
    SELECT locked.id, locked.user_id, $21, $22::jsonb, $23::timestamptz FROM locked
    RETURNING id
)"""
_NOTICE = """, notice AS (
    SELECT pg_notify($24, event.id::text) AS events, pg_notify($25, '') AS jobs FROM event
)"""

WRITE = _JOB + _NOTICE + "\nSELECT job.*, event.id AS event_id FROM job, event, notice"
# For a bus that does not NOTIFY (``LocalBus``).
WRITE_QUIET = _JOB + "\nSELECT job.*, event.id AS event_id FROM job, event"


def write_args(
    values: Mapping[str, Any],
    *,
    lock_keys: tuple[int, int],
    event_type: str,
    event_data: str,
    at: Any,
    channels: tuple[str, str] | None,
) -> list[Any]:
    """``WRITE``'s parameters: the job's ``values`` (JSON columns encoded here, a None as JSON
    ``null``, as SQLAlchemy's JSON type writes it), the two lock keys (global, user), the event's
    type, data (JSON text) and time, and the channels to NOTIFY (events, jobs)."""
    args = [json.dumps(values[name]) if name in _JSON else values[name] for name in JOB_COLUMNS]
    args += [*lock_keys, event_type, event_data, at]
    if channels is not None:
        args += list(channels)
    return args


@dataclass(frozen=True, slots=True)
class Compiled:
    """A SQLAlchemy statement as the driver runs it: its SQL, how to order and convert its
    parameters, and how to convert its result columns (as SQLAlchemy would)."""

    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    processors: dict[str, Any]  # name → the type's bind conversion
    columns: tuple[str, ...]  # the result's column names, in order
    results: tuple[Any, ...]  # the types' result conversions, per column (None: as it is)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            process = self.processors.get(name)
            out.append(value if process is None else process(value))
        return out

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        """A result row by column name, its values converted as SQLAlchemy's would be."""
        return {
            name: value if convert is None or value is None else convert(value)
            for name, convert, value in zip(self.columns, self.results, values, strict=True)
        }


@functools.cache
def _compiled(
    statement: sa.ClauseElement, dialect: sa.Dialect, keys: tuple[str, ...] | None
) -> Compiled:
    found = cast(
        SQLCompiler,
        statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None),
    )
    columns = tuple(
        column.key for column in getattr(statement, "selected_columns", None) or ()
    ) or tuple(column.key for column in getattr(statement, "_returning", ()) or ())
    types = {
        column.key: column.type
        for column in (
            *(getattr(statement, "selected_columns", None) or ()),
            *(getattr(statement, "_returning", ()) or ()),
        )
    }
    return Compiled(
        found.string,
        tuple(found.positiontup or ()),
        dict(found.params),
        dict(found._bind_processors),  # the types' own bind conversions
        columns,
        tuple(
            types[name].dialect_impl(dialect).result_processor(dialect, None) for name in columns
        ),
    )


def compiled(
    statement: sa.ClauseElement, dialect: sa.Dialect, keys: tuple[str, ...] | None = None
) -> Compiled:
    """``statement`` compiled for ``dialect`` once (statements are built once and cached);
    ``keys``: an INSERT's columns given."""
    return _compiled(statement, dialect, keys)


async def fetch(
    driver: Any,
    statement: sa.ClauseElement,
    dialect: sa.Dialect,
    params: Mapping[str, Any],
    keys: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """Run a SQLAlchemy statement on the pooled connection's driver (asyncpg's, or the SQLite
    ``LoopConnection``) without SQLAlchemy's per-execution work: its rows by column name."""
    found = compiled(statement, dialect, keys)
    if dialect.name == "postgresql":
        return [dict(record) for record in await driver.fetch(found.sql, *found.args(params))]
    rows = await driver.execute_fetchall(found.sql, found.args(params))
    return [found.row(values) for values in rows]


# SQLite: a submit's two inserts, sent on the driver inside the transaction SQLAlchemy began.
_INSERT_JOB = jobs.insert().returning(*jobs.c)
_INSERT_EVENT = job_events.insert().returning(job_events.c.id)
_EVENT_KEYS = ("job_id", "user_id", "type", "data", "created_at")


async def insert_job_and_event(
    driver: Any, dialect: sa.Dialect, values: Mapping[str, Any], event: Mapping[str, Any]
) -> tuple[dict[str, Any], int]:
    """SQLite: insert the job (``values``) and its event (``event``: ``_EVENT_KEYS``) in the
    open transaction; (the job's row as SQLAlchemy reads it, the event's id)."""
    (row,) = await fetch(driver, _INSERT_JOB, dialect, values, tuple(values))
    (appended,) = await fetch(driver, _INSERT_EVENT, dialect, event, _EVENT_KEYS)
    return row, int(appended["id"])
