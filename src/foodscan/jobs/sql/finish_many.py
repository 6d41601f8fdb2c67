"""PostgreSQL: the outcomes of a batch's jobs in one guarded UPDATE (``group_commit``).

Each row is still guarded by its own job id, ``running`` and lease token, exactly as
``lifecycle.finish``: a job whose lease was lost is not among the returned rows and is written
nothing. The rows come in as one JSON array (one parameter, one round trip for the batch).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import jobs
from foodscan.jobs.states import Status

# JSON null, not SQL NULL, where an outcome has no result or no error: what the one-row
# statement writes through the column's JSON type.
_FINISH_MANY = sa.text(
    """
    UPDATE jobs SET
        status = f.status,
        result = COALESCE(f.result, 'null'::jsonb),
        error = COALESCE(f.error, 'null'::jsonb),
        progress = CASE WHEN f.status = :succeeded THEN 100 ELSE jobs.progress END,
        finished_at = :now,
        updated_at = :now,
        lease_owner = NULL,
        lease_token = NULL,
        lease_expires_at = NULL
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS f(id text, token text, status text, result jsonb, error jsonb)
    WHERE jobs.id = f.id AND jobs.status = :running AND jobs.lease_token = f.token
    RETURNING jobs.id, jobs.user_id, jobs.kind, jobs.callback_url
    """
).bindparams(sa.bindparam("now", type_=jobs.c.finished_at.type))


async def finish_many(
    conn: AsyncConnection, outcomes: Sequence[dict[str, Any]], now: datetime
) -> dict[str, sa.Row[Any]]:
    """Finish running jobs held by the given leases (each ``{id, token, status, result,
    error}``, at most one per job); returns the rows written, by job id (id, user, kind and
    callback URL, as ``lifecycle.finish``)."""
    params = {
        "rows": json.dumps(outcomes, ensure_ascii=False, separators=(",", ":")),
        "now": now,
        "succeeded": Status.SUCCEEDED.value,
        "running": Status.RUNNING.value,
    }
    return {row.id: row for row in await conn.execute(_FINISH_MANY, params)}
