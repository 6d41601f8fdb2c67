"""SSE reconnect loop: clients of ``/v1/events`` drop their connection at random points while real
receipt jobs run, and resume with ``Last-Event-ID``; what each received must equal the event log.

Each client drops after a random 1-3 events until it has dropped its share of ``reconnects``,
then reads on until it saw every job's terminal event. Its ids are compared with the log read
directly: no gap, no duplicate, no id out of order. SQLite runs ``foodscan serve`` with its
embedded worker; PostgreSQL runs an API and two workers (events cross by NOTIFY).

    python -m tests.reliability.sse_reconnect --engine postgresql --reconnects 1000 --clients 10
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.harness import (
    FINISHED,
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
)
from tests.reliability.results import save

EVENTS_PER_JOB = 8  # queued, started, a few progress steps, the end: a floor, for sizing
FOLLOW_S = 300.0


def saw_every_end(job_ids: set[str]) -> Callable[[Follower], bool]:
    def stop(follower: Follower) -> bool:
        ended = {e["job_id"] for e in follower.events if e["type"] in TERMINAL}
        return job_ids <= ended

    return stop


def follow(
    follower: Follower, stop: Callable[[Follower], bool], drops: int, rng: random.Random
) -> None:
    """Read until ``stop``; drop the connection ``drops`` times after 1-3 events."""
    deadline = time.monotonic() + FOLLOW_S
    dropped = 0
    while not stop(follower) and time.monotonic() < deadline:
        if dropped < drops:
            follower.read(stop=stop, max_events=rng.randint(1, 3))
            dropped += 1
        else:
            follower.read(stop=stop)


def run(
    database_url: str,
    root: Path,
    *,
    reconnects: int,
    clients: int,
    seed: int | None = None,
) -> dict[str, Any]:
    rng = random.Random(seed)
    postgres = database_url.startswith("postgres")
    share = math.ceil(reconnects / clients)
    job_count = max(3, math.ceil(share * 2 / EVENTS_PER_JOB) + 1)
    started = time.monotonic()
    with deployment(database_url, root) as deployed:
        if postgres:
            for _ in range(2):
                deployed.server("worker").start()
            api = deployed.server("serve", "--no-worker")
        else:
            api = deployed.server("serve")
        api.start()
        followers = [Follower(api.url) for _ in range(clients)]
        image = receipt_jpeg()
        with httpx.Client(base_url=api.url, timeout=60) as client:
            job_ids = {submit(client, image).json()["job_id"] for _ in range(job_count)}
        stop = saw_every_end(job_ids)
        threads = [
            threading.Thread(target=follow, args=(f, stop, share, random.Random(rng.random())))
            for f in followers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(FOLLOW_S + 30)
        await_condition(
            lambda: all(r.status in FINISHED for r in job_rows(database_url)),
            60,
            "every job to finish",
            every=0.25,
        )
        api.stop()
    events = event_rows(database_url)
    logged = [e.id for e in events]
    results = [compare(f.ids, logged) for f in followers]
    gaps = sorted({i for f in followers for i in set(logged) - set(f.ids)})
    swaps = sorted({(a, b) for f in followers for a, b in itertools.pairwise(f.ids) if b <= a})
    return {
        "clients": clients,
        "reconnects": sum(f.reconnects - 1 for f in followers),
        "jobs": job_count,
        "events_logged": len(logged),
        "events_received": sum(len(f.ids) for f in followers),
        **{
            k: sum(r[k] for r in results) for k in ("missing", "doubled", "unknown", "out_of_order")
        },
        "gap_sample": [(e.id, e.type) for e in events if e.id in gaps][:12],
        "disorder_sample": swaps[:12],
        "seconds": time.monotonic() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--reconnects", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with scratch_database(args.engine) as (url, root):
        figures = run(url, root, reconnects=args.reconnects, clients=args.clients, seed=args.seed)
    figures = {"engine": args.engine, **figures}
    print(json.dumps(figures, indent=2))  # noqa: T201
    print(save("sse_reconnect", figures, engine=args.engine))  # noqa: T201
    bad = figures["missing"] or figures["doubled"] or figures["unknown"] or figures["out_of_order"]
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
