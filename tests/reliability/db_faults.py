"""Database faults (PostgreSQL): while two workers run real receipt jobs and SSE clients follow
``/v1/events`` on an API, every connection to the test's database is cut
(``pg_terminate_backend``), ``cuts`` times, and the PostgreSQL server itself is restarted
(fast shutdown, ``pg_server.restart``), ``restarts`` times, the two kinds of fault shuffled.

Workers, the pools and each process's LISTEN connection must reconnect by themselves: every job
ends exactly once, none is lost, and each client (reconnecting with ``Last-Event-ID`` when its
stream breaks) ends with exactly the event log.

    python -m tests.reliability.db_faults --cuts 20 --restarts 5 --jobs 20
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.reliability import pg_server
from tests.reliability.harness import (
    FINISHED,
    POSTGRES_URL,
    TERMINAL,
    Follower,
    await_condition,
    compare,
    deployment,
    event_rows,
    job_rows,
    receipt_jpeg,
    scratch_database,
    submit,
    terminate_backends,
)
from tests.reliability.results import save
from tests.reliability.sse_reconnect import FOLLOW_S, follow, saw_every_end

EVENTS_BETWEEN_CUTS = 4  # each cut waits for this many new events: work is flowing again


def _logged_at_least(database_url: str, count: int) -> bool:
    """``count`` events logged, or every job finished (no more work to wait for)."""
    if len(event_rows(database_url)) >= count:
        return True
    return all(r.status in FINISHED for r in job_rows(database_url))


def run(
    database_url: str,
    root: Path,
    *,
    cuts: int,
    jobs: int,
    clients: int,
    restarts: int = 0,
    seed: int | None = None,
) -> dict[str, Any]:
    """Run the faults; with ``restarts``, the caller has checked ``pg_server.control`` and leaves
    the server running afterwards (``pg_server.ensure_running``) whatever happened."""
    how = pg_server.control(database_url) if restarts else None
    assert not isinstance(how, str), how
    faults = ["cut"] * cuts + ["restart"] * restarts
    random.Random(seed).shuffle(faults)
    started = time.monotonic()
    terminated = idle = 0
    downtime: list[float] = []
    # Faults come close together: a job may be hit by several, and each is a transient failure
    # (or, when its worker's lease runs out during a restart, a rescue).
    with deployment(
        database_url, root, kinds__receipt__max_attempts="10", max_rescues="10"
    ) as deployed:
        for _ in range(2):
            deployed.server("worker").start()
        api = deployed.server("serve", "--no-worker")
        api.start()
        followers = [Follower(api.url) for _ in range(clients)]
        with httpx.Client(base_url=api.url, timeout=60) as client:
            image = receipt_jpeg()
            job_ids = {submit(client, image).json()["job_id"] for _ in range(jobs)}
        stop = saw_every_end(job_ids)
        threads = [
            threading.Thread(target=follow, args=(f, stop, 0, random.Random())) for f in followers
        ]
        for thread in threads:
            thread.start()
        try:
            for fault in faults:
                wanted = len(event_rows(database_url)) + EVENTS_BETWEEN_CUTS
                await_condition(
                    partial(_logged_at_least, database_url, wanted),
                    120,
                    "work to flow after the last fault",
                    every=0.1,
                )
                idle += all(r.status in FINISHED for r in job_rows(database_url))
                if fault == "cut":
                    terminated += terminate_backends(database_url)
                else:
                    assert how is not None
                    downtime.append(pg_server.restart(database_url, how))
        finally:
            if how is not None:
                pg_server.ensure_running(database_url, how)
        for thread in threads:
            thread.join(FOLLOW_S + 30)
        await_condition(
            lambda: all(r.status in FINISHED for r in job_rows(database_url)),
            120,
            "every job to finish",
            every=0.25,
        )
        for server in deployed.servers:
            server.stop()
    rows = job_rows(database_url)
    events = event_rows(database_url)
    logged = [e.id for e in events]
    results = [compare(f.ids, logged) for f in followers]
    gaps = sorted({i for f in followers for i in set(logged) - set(f.ids)})
    swaps = sorted({(a, b) for f in followers for a, b in itertools.pairwise(f.ids) if b <= a})
    terminal = Counter(e.job_id for e in events if e.type in TERMINAL)
    retried = Counter(e.data["error"]["code"] for e in events if e.type == "job.retrying")
    refused: Counter[int] = Counter()
    for follower in followers:
        refused.update(follower.refused)
    return {
        "cuts": cuts,
        "backends_terminated": terminated,
        "restarts": len(downtime),
        "restart_seconds_max": round(max(downtime, default=0.0), 2),
        "faults_after_the_last_job": idle,
        "jobs": len(rows),
        "statuses": dict(Counter(r.status for r in rows)),
        "lost": sum(1 for r in rows if r.status != "succeeded"),
        "doubled": sum(1 for n in terminal.values() if n > 1),
        "retries_by_code": dict(retried),
        "clients": clients,
        "client_reconnects": sum(f.reconnects - 1 for f in followers),
        "client_refusals": {str(k): v for k, v in sorted(refused.items())},
        "events_logged": len(logged),
        **{
            f"sse_{k}": sum(r[k] for r in results)
            for k in ("missing", "doubled", "unknown", "out_of_order")
        },
        "gap_sample": [(e.id, e.type) for e in events if e.id in gaps][:12],
        "disorder_sample": swaps[:12],
        "seconds": time.monotonic() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--restarts", type=int, default=0, help="restarts of the server itself")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    how = pg_server.control(POSTGRES_URL) if args.restarts else None
    if isinstance(how, str):
        raise SystemExit(f"cannot restart PostgreSQL: {how}")
    try:
        with scratch_database("postgresql") as (url, root):
            figures = run(
                url,
                root,
                cuts=args.cuts,
                jobs=args.jobs,
                clients=args.clients,
                restarts=args.restarts,
                seed=args.seed,
            )
    finally:
        if how is not None:
            pg_server.ensure_running(POSTGRES_URL, how)
    print(json.dumps(figures, indent=2))  # noqa: T201
    print(save("db_faults", figures, engine="postgresql"))  # noqa: T201
    bad = [
        k for k in ("lost", "doubled", "sse_missing", "sse_doubled", "sse_unknown") if figures[k]
    ]
    raise SystemExit(1 if bad or figures["sse_out_of_order"] else 0)


if __name__ == "__main__":
    main()
