"""Event-stream tickets: how a browser, whose ``EventSource`` cannot send an ``Authorization``
header, opens ``/v1/events`` or ``/v1/jobs/{id}/events`` without a long-lived token in a URL.

``POST /v1/events/tickets`` (with the user's token) returns a random ticket that is valid for
``TICKET_TTL_S`` seconds, once, for that user (and, if asked, one job). Only its SHA-256 is
stored; redeeming it is one guarded UPDATE, so two streams can never share one ticket, on any
number of API processes. A user may be issued at most ``per_minute`` tickets in 60 s (counted
under the user's lock, as the plan limits are), so nobody fills the table with them.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.errors import RateLimited
from foodscan.jobs import sql
from foodscan.jobs.sql.tickets import nth_newest_ticket

TICKET_TTL_S = 60.0
WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket as handed to the client (the secret is never stored)."""

    ticket: str
    expires_at: datetime
    job_id: str | None


@dataclass(frozen=True, slots=True)
class Redeemed:
    """Who a redeemed ticket speaks for, and the one job it opens (None: all of theirs)."""

    user_id: str
    plan: str
    job_id: str | None


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def issue(
    engine: AsyncEngine,
    user_id: str,
    plan: str,
    job_id: str | None,
    *,
    per_minute: int | None = None,
) -> Ticket:
    """A new ticket for ``user_id`` (and ``job_id``, if given); ``RateLimited`` when
    ``per_minute`` tickets were issued to them in the last minute (0 or None: no limit)."""
    now = datetime.now(UTC)
    ticket = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=TICKET_TTL_S)
    async with engine.begin() as conn:
        if per_minute:
            await sql.lock_user(conn, user_id)
            oldest = await nth_newest_ticket(conn, user_id, per_minute, now - WINDOW)
            if oldest is not None:
                wait = math.ceil((oldest + WINDOW - now).total_seconds())
                raise RateLimited(
                    f"at most {per_minute} event-stream tickets per minute", retry_after=wait
                )
        await sql.insert_ticket(
            conn,
            {
                "digest": _digest(ticket),
                "user_id": user_id,
                "plan": plan,
                "job_id": job_id,
                "created_at": now,
                "expires_at": expires,
            },
        )
    return Ticket(ticket, expires, job_id)


async def redeem(engine: AsyncEngine, ticket: str) -> Redeemed | None:
    """The ticket's principal, once; None when it is unknown, used or expired."""
    if not 16 <= len(ticket) <= 128:
        return None
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        row = await sql.redeem_ticket(conn, _digest(ticket), now)
    return None if row is None else Redeemed(row.user_id, row.plan, row.job_id)
