"""Webhook deliveries as the jobs layer keeps them: queued with the terminal event, claimed under
a lease, one recorded attempt at a time.

``enqueue`` runs inside the transaction that appends a terminal event (``writes.Write.event``),
so a job that reached its end always has its delivery row and a rolled-back finish never has
one. Sending is ``webhooks.deliverer``'s work; this module only reads and writes rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foodscan.events.log import EventRecord
from foodscan.webhooks import outbox_sql as sql
from foodscan.webhooks.outbox_sql import DELIVERED, FAILED, PENDING, Row

__all__ = ["DELIVERED", "FAILED", "PENDING", "Attempt", "Delivery", "DeliveryQueue", "enqueue"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One POST: when, the receiver's status code (None: no answer) and what went wrong."""

    at: datetime
    status_code: int | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "status_code": self.status_code,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        return cls(at, data.get("status_code"), data.get("error"))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One terminal event on its way to a callback URL."""

    id: str
    job_id: str
    event_id: int
    event_type: str
    url: str
    body: str
    state: str
    attempts: tuple[Attempt, ...]
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    lease_token: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> Delivery:
        return cls(
            id=row.id,
            job_id=row.job_id,
            event_id=row.event_id,
            event_type=row.event_type,
            url=row.url,
            body=row.body,
            state=row.state,
            attempts=tuple(Attempt.from_json(a) for a in row.attempts),
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            lease_token=row.lease_token,
        )


def body_of(record: EventRecord) -> str:
    """The request body: the event's JSON as the event log serves it (``type`` first)."""
    return json.dumps(record.payload, ensure_ascii=False, separators=(",", ":"))


async def enqueue(conn: AsyncConnection, job: Row, record: EventRecord, now: datetime) -> None:
    """Queue the delivery of a terminal event, if the job has a callback URL."""
    url = job._mapping.get("callback_url")
    if not url or not record.terminal:
        return
    values = {
        "id": str(uuid.uuid4()),
        "job_id": record.job_id,
        "event_id": record.id,
        "event_type": record.type,
        "url": url,
        "body": body_of(record),
        "state": PENDING,
        "attempts": [],
        "next_attempt_at": now,
        "created_at": now,
    }
    await sql.insert_delivery(conn, values)


async def deliveries_of(conn: AsyncConnection, job_ids: list[str]) -> dict[str, list[Delivery]]:
    """The deliveries of each of these jobs, oldest first (jobs without any are absent)."""
    found: dict[str, list[Delivery]] = {}
    for row in await sql.list_deliveries(conn, job_ids):
        found.setdefault(row.job_id, []).append(Delivery.from_row(row))
    return found


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryQueue:
    """Deliveries as a deliverer sees them: claim a due one, record what its attempt did."""

    def __init__(self, engine: AsyncEngine, lease_s: float) -> None:
        self.engine = engine
        self.lease_s = lease_s

    async def claim(self, now: datetime | None = None) -> Delivery | None:
        """Lease the delivery due the longest, or None."""
        now = now or _now()
        async with self.engine.begin() as conn:
            row = await sql.claim_delivery(
                conn,
                token=str(uuid.uuid4()),
                now=now,
                lease_until=now + timedelta(seconds=self.lease_s),
            )
        return None if row is None else Delivery.from_row(row)

    async def record(
        self, delivery: Delivery, attempt: Attempt, *, state: str, next_attempt_at: datetime
    ) -> Delivery | None:
        """Append ``attempt`` and move to ``state``; None if the lease was lost meanwhile."""
        assert delivery.lease_token is not None  # noqa: S101 - only claimed deliveries are recorded
        async with self.engine.begin() as conn:
            row = await sql.record_attempt(
                conn,
                delivery.id,
                delivery.lease_token,
                state=state,
                attempts=[a.to_json() for a in (*delivery.attempts, attempt)],
                next_attempt_at=next_attempt_at,
                delivered_at=attempt.at if state == DELIVERED else None,
            )
        return None if row is None else Delivery.from_row(row)
