"""Where a submit's database time goes: every SQL statement of the submit path (the duplicate
lookup and the limits pre-check of ``JobStore.preflight``, then ``JobStore.submit``), counted
and timed, on SQLite and PostgreSQL.

It calls the API's own sequence in this process (no HTTP, no upload checks) ``--submits`` times
with plan limits on (the defaults, raised so none refuses) and prints, per statement (its first
words), how many run per submit and the mean milliseconds each, from SQLAlchemy's
``before/after_cursor_execute`` events, plus the wall time of the whole sequence. Bounded by
``--submits``.

    python bench/submit_statements.py [--submits 200] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import figures
import servers
from sqlalchemy import event

from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.job import InputFile
from foodscan.jobs.store import JobStore, Preflight, Submission
from foodscan.settings import Settings

_WORDS = re.compile(r"\s+")


def _label(statement: str) -> str:
    """A statement's kind and first table, enough to tell statements apart."""
    words = _WORDS.sub(" ", statement.strip()).split(" ")
    head = " ".join(words[:2])
    target = next(
        (
            w
            for w in words
            if w.lower() in {"jobs", "job_events", "webhook_deliveries", "workers", "event_tickets"}
        ),
        "",
    )
    if words[0].upper() == "SELECT" and "pg_advisory_xact_lock" in statement:
        return "SELECT pg_advisory_xact_lock"
    if words[0].upper() == "SELECT" and "pg_notify" in statement:
        return "SELECT pg_notify"
    return f"{head} … {target}".strip()


class Timings:
    """Statement timings collected from the engine's cursor events."""

    def __init__(self) -> None:
        self.by_label: dict[str, list[float]] = defaultdict(list)
        self._started: dict[int, float] = {}

    def attach(self, engine: Any) -> None:  # Any: the sync engine behind an AsyncEngine
        @event.listens_for(engine, "before_cursor_execute")
        def _before(_conn: Any, cursor: Any, *_args: Any) -> None:
            self._started[id(cursor)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            took = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
            self.by_label[_label(statement)].append(took * 1000)


async def run_engine(url: str, submits: int, folder: Path) -> dict[str, Any]:
    # Limits on (their queries run), set so high that none refuses a run.
    plans = {"paid": {"submits_per_minute": 10**9, "active_jobs": 10**9, "pages_per_day": 10**9}}
    settings = Settings(data_dir=folder, database_url=url, plans=plans)
    engine = create_engine(settings.resolved_database_url)
    await migrate(engine)
    bus = bus_for(engine)
    await bus.start()
    store = JobStore(engine, bus, settings)
    timings = Timings()
    timings.attach(engine.sync_engine)
    walls: list[float] = []
    try:
        for number in range(submits + 10):
            if number == 10:  # the first ten warm caches and are not counted
                timings.by_label.clear()
                walls.clear()
            request_hash = uuid.uuid4().hex
            started = time.perf_counter()
            await store.preflight(Preflight("bench", "paid", "receipt", 1, request_hash))
            file = InputFile(
                f"ab/{uuid.uuid4().hex}.jpg", request_hash, "image/jpeg", 1_000_000, "r.jpg"
            )
            await store.submit(
                Submission(
                    user_id="bench",
                    lane="paid",
                    kind="receipt",
                    inputs=[file],
                    request_hash=request_hash,
                ),
                enforce_limits=True,
            )
            walls.append((time.perf_counter() - started) * 1000)
    finally:
        await bus.stop()
        await engine.dispose()
    rows = sorted(
        (
            {
                "statement": label,
                "per_submit": round(len(ms) / submits, 2),
                "mean_ms": round(statistics.fmean(ms), 3),
                "total_ms_per_submit": round(sum(ms) / submits, 3),
            }
            for label, ms in timings.by_label.items()
        ),
        key=lambda row: -row["total_ms_per_submit"],
    )
    return {
        "submits": submits,
        "statements_per_submit": round(
            sum(len(ms) for ms in timings.by_label.values()) / submits, 2
        ),
        "sql_ms_per_submit": round(sum(sum(ms) for ms in timings.by_label.values()) / submits, 3),
        "wall_ms_p50": figures.rounded(figures.percentile(walls, 0.5), 3),
        "wall_ms_p99": figures.rounded(figures.percentile(walls, 0.99), 3),
        "statements": rows,
    }


async def main_async(args: argparse.Namespace) -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="foodscan-bench-") as tmp:
        for name in args.engines:
            if name == "postgresql":
                async with servers.scratch_database() as url:
                    results[name] = await run_engine(url, args.submits, Path(tmp))
            else:
                results[name] = await run_engine(
                    f"sqlite:///{tmp}/foodscan.db", args.submits, Path(tmp)
                )
    lines = ["# Statements per submit (`bench/submit_statements.py`)", ""]
    for name, found in results.items():
        lines += [
            f"## {name}: {found['statements_per_submit']} statements, "
            f"{found['sql_ms_per_submit']} ms in SQL per submit; whole sequence p50 "
            f"{found['wall_ms_p50']} ms, p99 {found['wall_ms_p99']} ms",
            "",
            figures.table(
                ["statement", "per submit", "mean ms", "ms per submit"],
                [
                    [r["statement"], r["per_submit"], r["mean_ms"], r["total_ms_per_submit"]]
                    for r in found["statements"]
                ],
            ),
            "",
        ]
    data = {"benchmark": "submit_statements", "machine": figures.machine(), "engines": results}
    path = figures.write(args.name, data, "\n".join(lines), args.out)
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures
    print(f"written: {path}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--engines", type=lambda s: s.split(","), default=["sqlite", "postgresql"])
    parser.add_argument("--name", default="submit_statements")
    parser.add_argument("--out", type=Path, default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
