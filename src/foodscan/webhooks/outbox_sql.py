"""Statements of webhook deliveries: enqueue with the terminal event, claim a due one, record.

A delivery is claimed like a job: one guarded UPDATE of the first due row (``SKIP LOCKED`` on
PostgreSQL) that sets a lease; an attempt is recorded only by the lease's holder, so a worker
that crashed mid-attempt leaves a row any other worker takes once its lease has run out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import webhook_deliveries as deliveries

Row = sa.Row[*tuple[Any, ...]]  # Any: a delivery row's columns

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


async def insert_delivery(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Queue one delivery (in the transaction that appends its terminal event)."""
    await conn.execute(deliveries.insert().values(values))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        deliveries.c.state == PENDING,
        deliveries.c.next_attempt_at <= now,
        sa.or_(deliveries.c.lease_expires_at.is_(None), deliveries.c.lease_expires_at < now),
    )


async def claim_delivery(
    conn: AsyncConnection, *, token: str, now: datetime, lease_until: datetime
) -> Row | None:
    """Lease the delivery due the longest (a lapsed lease makes a row due again)."""
    candidate = (
        sa.select(deliveries.c.id)
        .where(_due(now))
        .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at, deliveries.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    query = (
        sa.update(deliveries)
        .where(deliveries.c.id == candidate, _due(now))
        .values(lease_token=token, lease_expires_at=lease_until)
        .returning(*deliveries.c)
    )
    return (await conn.execute(query)).one_or_none()


async def record_attempt(
    conn: AsyncConnection,
    delivery_id: str,
    token: str,
    *,
    state: str,
    attempts: list[dict[str, Any]],
    next_attempt_at: datetime,
    delivered_at: datetime | None,
) -> Row | None:
    """Save an attempt and the delivery's next state, if this lease still holds the row."""
    query = (
        sa.update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.lease_token == token)
        .values(
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            delivered_at=delivered_at,
            lease_token=None,
            lease_expires_at=None,
        )
        .returning(*deliveries.c)
    )
    return (await conn.execute(query)).one_or_none()


async def list_deliveries(conn: AsyncConnection, job_ids: Sequence[str]) -> Sequence[Row]:
    """The deliveries of these jobs, oldest event first."""
    if not job_ids:
        return []
    query = (
        sa.select(deliveries)
        .where(deliveries.c.job_id.in_(list(job_ids)))
        .order_by(deliveries.c.job_id, deliveries.c.event_id)
    )
    return (await conn.execute(query)).all()
