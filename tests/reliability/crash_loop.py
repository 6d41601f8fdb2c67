"""Crash loop: ``foodscan worker`` processes running real receipt jobs are killed with SIGKILL at
random moments and restarted, ``kills`` times; then every job must end exactly once.

Most kills wait until the victim holds a job (read in the database), then strike after a random
delay of up to a few seconds: mid-OCR, mid-progress write, mid-commit. The rest strike during
start-up. Right after each kill (on PostgreSQL: once the server has closed the dead process's
backends, so a commit in flight has landed) the jobs the victim still held are counted: each
must have been rescued once for it, so ``attempt == 1 + times its holder died``.

    python -m tests.reliability.crash_loop --engine postgresql --kills 100
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import Server
from tests.reliability.harness import (
    FINISHED,
    TERMINAL,
    await_condition,
    backends_gone,
    deployment,
    event_rows,
    job_rows,
    local_ports,
    receipt_jpeg,
    scratch_database,
    submit,
)
from tests.reliability.results import save

STRIKE_S = 2.5  # a kill lands up to this long after its victim took a job: about one job's run
BACKLOG = 3  # jobs kept queued or running, so a restarted worker always has one to take
DRAIN_S = 240.0


def _held(database_url: str, victim: Server) -> list[str]:
    assert victim.process is not None
    mark = f"-{victim.process.pid}-"
    return [
        r.id
        for r in job_rows(database_url)
        if r.status == "running" and r.lease_owner and mark in r.lease_owner
    ]


def run(
    database_url: str,
    root: Path,
    *,
    kills: int,
    workers: int = 1,
    seed: int | None = None,
    budget_s: float | None = None,
) -> dict[str, Any]:
    """Kill ``kills`` times (fewer if ``budget_s`` runs out first); returns the figures and the
    per-job findings (empty when green)."""
    rng = random.Random(seed)
    postgres = database_url.startswith("postgres")
    held: Counter[str] = Counter()
    mid_job = done = 0
    started = time.monotonic()
    stop_at = started + budget_s if budget_s is not None else float("inf")
    with deployment(database_url, root, max_rescues="1000") as deployed:
        pool = [deployed.server("worker") for _ in range(workers)]
        for worker in pool:
            worker.start()
        api = deployed.server("serve", "--no-worker")
        api.start()
        image = receipt_jpeg()
        with httpx.Client(base_url=api.url, timeout=60) as client:

            def top_up() -> None:
                pending = sum(r.status not in FINISHED for r in job_rows(database_url))
                for _ in range(BACKLOG + workers - 1 - pending):
                    assert submit(client, image).status_code == 202

            while done < kills and time.monotonic() < stop_at:
                done += 1
                top_up()
                victim = rng.choice(pool)
                if rng.random() < 0.8:
                    await_condition(
                        partial(_held, database_url, victim),
                        60,
                        "the victim to take a job",
                        every=0.1,
                        fail=False,
                    )
                # The random moment of the crash: a chosen delay, not a wait for a condition.
                time.sleep(rng.uniform(0, STRIKE_S))
                assert victim.process is not None
                ports = local_ports(victim.process.pid)
                victim.kill()
                if postgres:
                    await_condition(
                        partial(backends_gone, database_url, ports), 30, "backends to close"
                    )
                got = _held(database_url, victim)
                held.update(got)
                mid_job += bool(got)
                victim.start()
            await_condition(
                lambda: all(r.status in FINISHED for r in job_rows(database_url)),
                DRAIN_S,
                "every job to finish",
                every=0.25,
            )
        for worker in pool:
            worker.stop()
    figures = check(database_url, held)
    figures |= {"kills": done, "kills_mid_job": mid_job, "seconds": time.monotonic() - started}
    return figures


def check(database_url: str, held: Counter[str]) -> dict[str, Any]:
    """Read the database directly: every job ended once, attempts add up."""
    rows = job_rows(database_url)
    events = event_rows(database_url)
    terminal: Counter[str] = Counter(e.job_id for e in events if e.type in TERMINAL)
    starts: Counter[str] = Counter(e.job_id for e in events if e.type == "job.started")
    rescued: Counter[str] = Counter(
        e.job_id
        for e in events
        if e.type == "job.retrying" and e.data["error"]["code"] == "lease_expired"
    )
    other_retries = sum(
        1 for e in events if e.type == "job.retrying" and e.data["error"]["code"] != "lease_expired"
    )
    findings = []
    for r in rows:
        expected = 1 + held[r.id]
        if r.status not in FINISHED or terminal[r.id] != 1:
            findings.append(f"{r.id}: {r.status} with {terminal[r.id]} terminal events")
        elif not r.attempt == starts[r.id] == expected == 1 + rescued[r.id] == 1 + r.rescues:
            findings.append(
                f"{r.id}: attempt {r.attempt}, {starts[r.id]} started, {rescued[r.id]} rescued "
                f"(rescues={r.rescues}), holder killed {held[r.id]} times"
            )
    statuses = Counter(r.status for r in rows)
    lost = sum(1 for r in rows if r.status == "failed" and (r.error or {}).get("code") == "lost")
    return {
        "jobs": len(rows),
        "statuses": dict(statuses),
        "rescues": sum(rescued.values()),
        "max_attempt": max((r.attempt for r in rows), default=0),
        "lost": lost,
        "doubled": sum(1 for n in terminal.values() if n > 1),
        "stuck": sum(1 for r in rows if r.status not in FINISHED),
        "other_retries": other_retries,
        "findings": findings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="default: 1 SQLite, 2 PG")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--budget-s", type=float, default=None, help="stop killing after this")
    args = parser.parse_args()
    workers = args.workers or (1 if args.engine == "sqlite" else 2)
    with scratch_database(args.engine) as (url, root):
        figures = run(
            url, root, kills=args.kills, workers=workers, seed=args.seed, budget_s=args.budget_s
        )
    figures = {"engine": args.engine, "workers": workers, **figures}
    print(json.dumps(figures, indent=2))  # noqa: T201
    print(save("crash_loop", figures, engine=args.engine))  # noqa: T201
    raise SystemExit(1 if figures["findings"] else 0)


if __name__ == "__main__":
    main()
