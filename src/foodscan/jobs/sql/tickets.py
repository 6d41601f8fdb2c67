"""Statements of event-stream tickets: issue, count, redeem once, purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import event_tickets

Row = sa.Row[*tuple[Any, ...]]  # Any: a ticket row's columns


async def insert_ticket(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Store a ticket (by the digest of its secret)."""
    await conn.execute(event_tickets.insert().values(values))


async def nth_newest_ticket(
    conn: AsyncConnection, user_id: str, nth: int, since: datetime
) -> datetime | None:
    """When the ``nth`` newest ticket of ``user_id`` issued after ``since`` was; None if fewer."""
    query = (
        sa.select(event_tickets.c.created_at)
        .where(event_tickets.c.user_id == user_id, event_tickets.c.created_at > since)
        .order_by(event_tickets.c.created_at.desc())
        .offset(nth - 1)
        .limit(1)
    )
    found: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return found


async def redeem_ticket(conn: AsyncConnection, digest: str, now: datetime) -> Row | None:
    """Mark an unexpired, unused ticket used and return it; None for any other."""
    query = (
        sa.update(event_tickets)
        .where(
            event_tickets.c.digest == digest,
            event_tickets.c.used_at.is_(None),
            event_tickets.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(event_tickets.c.user_id, event_tickets.c.plan, event_tickets.c.job_id)
    )
    return (await conn.execute(query)).one_or_none()


async def delete_expired_tickets(conn: AsyncConnection, now: datetime) -> int:
    """Drop tickets past their expiry (used or not)."""
    result = await conn.execute(sa.delete(event_tickets).where(event_tickets.c.expires_at <= now))
    return int(result.rowcount)
