"""What a load run (``load``) measures and checks, from the processes and the database: RSS and
CPU from ``/proc``, percentiles, the queue's order against the API's places, stuck jobs, errors
in the logs, and the list of failed checks."""

from __future__ import annotations

import asyncio
import os
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from foodscan.db.engine import create_engine
from foodscan.jobs import position, sql
from foodscan.settings import Settings
from tests.e2e.server import Server
from tests.reliability.harness import job_rows

ORDER_SAMPLE = 100  # queued jobs whose place is asked of the API


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a live process used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def rss_by_minute(samples: list[tuple[float, int]]) -> list[float]:
    """Median RSS (MB) of each minute of the run."""
    minutes: dict[int, list[int]] = defaultdict(list)
    for t, kb in samples:
        minutes[int(t // 60)].append(kb)
    return [round(statistics.median(minutes[m]) / 1024, 1) for m in sorted(minutes)]


def queue_check(database_url: str, api: Server, tokens: dict[str, str]) -> dict[str, Any]:
    """With the workers stopped (a frozen queue): each user's queued jobs in submit order along
    the claim order, and the API's place of a sample of the first ``sql.EXACT_PLACES`` equal to
    their place in it."""
    policy = position.fair_share(Settings())

    async def read() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await sql.queue_order(conn, policy, datetime.now(UTC))
        finally:
            await engine.dispose()

    order = asyncio.run(read())
    created = {r.id: (r.created_at, r.id) for r in job_rows(database_url)}
    last: dict[str, tuple[Any, str]] = {}
    out_of_turn = 0
    for row in order:
        key = created[row.id]
        out_of_turn += row.user_id in last and key < last[row.user_id]
        last[row.user_id] = key
    # Places are exact among the first ``sql.EXACT_PLACES``, estimated behind (``sql.position``).
    exact = list(enumerate(order, start=1))[: sql.EXACT_PLACES]
    sample = exact[:: max(1, len(exact) // ORDER_SAMPLE)]
    wrong_place = []
    with httpx.Client(base_url=api.url, timeout=60) as client:
        for place, row in sample:
            headers = {"Authorization": f"Bearer {tokens[row.user_id]}"}
            said = client.get(f"/v1/jobs/{row.id}", headers=headers).json().get("position")
            if said != place:
                wrong_place.append((place, said))
    return {
        "queued": len(order),
        "queue_out_of_turn": out_of_turn,
        "positions_checked": len(sample),
        "positions_wrong": len(wrong_place),
        "wrong_place_sample": wrong_place[:10],
    }


def log_errors(server: Server) -> dict[str, int]:
    """ERROR and CRITICAL records in a process's log, by logger name."""
    found: Counter[str] = Counter()
    for line in server.log().splitlines():
        parts = line.split(" ", 4)
        if len(parts) > 3 and parts[2] in ("ERROR", "CRITICAL"):
            found[parts[3].rstrip(":")] += 1
        elif line.startswith(("ERROR:", "CRITICAL:")):  # uvicorn's own format
            found["uvicorn"] += 1
    return dict(found)


def stuck_running(database_url: str) -> int:
    """Running jobs whose lease has run out: a worker that lost track of one."""
    now = datetime.now(UTC)
    running = [r for r in job_rows(database_url) if r.status == "running"]
    return sum(1 for r in running if r.lease_expires_at is None or r.lease_expires_at < now)


def failures(figures: dict[str, Any]) -> list[str]:
    """The checks a green run passes, by name (empty when green)."""
    zero = (
        "submit_5xx",
        "submit_transport_errors",
        "lost",
        "doubled",
        "stuck_running",
        "queue_out_of_turn",
        "positions_wrong",
        "stream_reconnects",
        "sse_missing",
        "sse_doubled",
        "sse_unknown",
        "sse_out_of_order",
    )
    bad = [k for k in zero if figures[k]]
    if figures["clients_open_at_start"] != figures["clients"]:
        bad.append("clients_open_at_start")
    if not figures["caught_up"]:
        bad.append("caught_up")
    if set(figures["statuses"]) - {"succeeded", "queued"}:
        bad.append("statuses")
    if any(figures["log_errors"].values()):
        bad.append("log_errors")
    return bad
