"""Statements whose SQLite plan decides whether their cost grows with the queue: a claim takes
its lane's head from the turn index (no sort of the lane's due jobs), and the announced places
are written by primary key (no walk of every queued job). SQLite only: PostgreSQL plans by its
statistics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.jobs import sql

KINDS = ["receipt", "products", "recipe"]


async def _plan_of(engine: AsyncEngine, run: Callable[[], Awaitable[Any]], marker: str) -> str:
    """SQLite's ``EXPLAIN QUERY PLAN`` of the statement containing ``marker`` that ``run``
    executes, with the parameters it ran with."""
    seen: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await run()
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in seen if marker in s)
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in rows)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: PostgreSQL plans by its statistics, SQLite (without any) by these rules."""
    return sqlite_url


async def test_a_claim_reads_each_lanes_head_from_the_turn_index(
    engine: AsyncEngine, job_factory, queue
) -> None:
    for _ in range(3):
        await job_factory()

    plan = await _plan_of(engine, lambda: queue.claim(KINDS), "lease_owner")

    # Not every due job of the lane by ``run_at``, sorted by turn (a temporary B-tree of the
    # lane), but the turn index's first due entry.
    assert "status_lane_run_at" not in plan
    assert "status_lane_fair_tag" in plan


async def test_announced_places_are_written_by_primary_key(
    engine: AsyncEngine, job_factory
) -> None:
    ids = [(await job_factory()).job.id for _ in range(3)]

    async def announce() -> None:
        async with engine.begin() as conn:
            await sql.set_announced(conn, dict.fromkeys(ids, 9), datetime.now(UTC))

    plan = await _plan_of(engine, announce, "json_extract")

    assert "autoindex_jobs" in plan  # the primary key's index
    assert "ix_jobs_status" not in plan
