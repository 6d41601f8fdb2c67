"""Claim throughput of the fair claim order: N queued no-op jobs drained by W workers.

Each worker is its own engine (its own connection pool, as a separate process would have) and
loops claim → succeed through ``JobQueue``, the code the worker runtime runs. The queue is made
of several users in both lanes, so every claim goes through the lane shares and the per-user
turns. Prints and writes ``results/bench_claim.json``: jobs per second, and claim latency p50/p99.

    python scripts/bench_claim.py [--jobs 2000] [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.bus import LocalBus
from foodscan.jobs.job import InputFile
from foodscan.jobs.queue import JobQueue
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings

KINDS = ["receipt"]


async def _fill(store: JobStore, jobs: int) -> None:
    item = InputFile("00/0.jpg", "0" * 64, "image/jpeg", 1, "a.jpg")
    for i in range(jobs):
        lane = "paid" if i % 3 == 0 else "free"
        sub = Submission(user_id=f"user-{i % 7}", lane=lane, kind="receipt", inputs=[item])
        await store.submit(sub)


async def _drain(queue: JobQueue, latencies: list[float]) -> int:
    done = 0
    while True:
        started = time.perf_counter()
        lease = await queue.claim(KINDS)
        latencies.append(time.perf_counter() - started)
        if lease is None:
            return done
        await queue.succeed(lease, {"ok": True})
        done += 1


async def run(database_url: str, jobs: int, workers: int) -> dict[str, object]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=database_url)
    engine = create_engine(database_url)
    await migrate(engine)
    bus = LocalBus()
    await _fill(JobStore(engine, bus, settings), jobs)
    engines = [create_engine(database_url) for _ in range(workers)]
    queues = [JobQueue(e, bus, settings, worker_id=f"bench-{i}") for i, e in enumerate(engines)]
    latencies: list[float] = []
    started = time.perf_counter()
    counts = await asyncio.gather(*(_drain(q, latencies) for q in queues))
    seconds = time.perf_counter() - started
    for extra in [*engines, engine]:
        await extra.dispose()
    ordered = sorted(latencies)
    return {
        "database": database_url.split(":", 1)[0],
        "jobs": sum(counts),
        "workers": workers,
        "seconds": round(seconds, 2),
        "jobs_per_s": round(sum(counts) / seconds, 1),
        "claim_p50_ms": round(statistics.median(ordered) * 1000, 2),
        "claim_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    figures = asyncio.run(run(url, args.jobs, args.workers))
    print(json.dumps(figures, indent=2))  # noqa: T201 - a script's report
    out = Path("results")
    out.mkdir(exist_ok=True)
    (out / "bench_claim.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
