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
    """A SQLAlchemy statement as asyncpg runs it: its SQL and how to order its parameters."""

    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    processors: dict[str, Any]  # name → the type's bind conversion

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            process = self.processors.get(name)
            out.append(value if process is None else process(value))
        return out


@functools.cache
def _compiled(statement: sa.ClauseElement, dialect: sa.Dialect) -> Compiled:
    found = cast(SQLCompiler, statement.compile(dialect=dialect))
    return Compiled(
        found.string,
        tuple(found.positiontup or ()),
        dict(found.params),
        dict(found._bind_processors),  # the types' own bind conversions
    )


def compiled(statement: sa.ClauseElement, dialect: sa.Dialect) -> Compiled:
    """``statement`` compiled for ``dialect`` once (statements are built once and cached)."""
    return _compiled(statement, dialect)


async def fetch(
    driver: Any, statement: sa.ClauseElement, dialect: sa.Dialect, params: Mapping[str, Any]
) -> Sequence[Any]:
    """Run a SQLAlchemy select on an asyncpg connection (``driver``); asyncpg's records."""
    found = compiled(statement, dialect)
    return await driver.fetch(found.sql, *found.args(params))  # type: ignore[no-any-return]
