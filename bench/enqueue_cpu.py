"""CPU per submit: ``JobStore.submit`` one at a time, as the peer benchmark's enqueue (no
Idempotency-Key, no plan limits, no worker), with the time each side spends on it.

For each engine it submits ``--submits`` no-op jobs (after 20 not counted) and reports submits
per second, this process's CPU per submit (``time.process_time``) and, on PostgreSQL, the CPU of
the server processes serving this run's connections (``/proc/<pid>/stat`` of the backends of
this database, read before and after: the server is local). On a loaded machine the rate swings
with the load; the CPU per submit is the figure to compare between trees, run back to back.
``--rounds`` alternates the engines that many times and reports each round.

    python bench/enqueue_cpu.py [--submits 1000] [--rounds 3] [--engines postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import figures
import servers
import sqlalchemy as sa

from foodscan.db.engine import create_engine
from foodscan.db.migrate import migrate
from foodscan.events.pg_listen import bus_for
from foodscan.jobs.job import InputFile
from foodscan.jobs.store import JobStore, Submission
from foodscan.settings import Settings

INPUT = InputFile("00/bench.jpg", "0" * 64, "image/jpeg", 1024, "bench.jpg")
WARM = 20
TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / TICKS


async def _backends(engine: Any) -> list[int]:
    async with engine.connect() as conn:
        query = sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [int(pid) for pid in (await conn.execute(query)).scalars()]


async def run_engine(url: str, submits: int, folder: Path) -> dict[str, Any]:
    settings = Settings(data_dir=folder, database_url=url)
    engine = create_engine(settings.resolved_database_url)
    await migrate(engine)
    bus = bus_for(engine)
    await bus.start()
    store = JobStore(engine, bus, settings)
    postgres = engine.dialect.name == "postgresql"

    def submission(n: int) -> Submission:
        return Submission(
            user_id="bench",
            lane="paid",
            kind="noop",
            inputs=[INPUT],
            options={"tag": n, "sleep_s": 0.0},
        )

    try:
        for n in range(WARM):
            await store.submit(submission(n))
        pids = await _backends(engine) if postgres else []
        server_before = _proc_cpu_s(pids)
        cpu_before, started = time.process_time(), time.perf_counter()
        for n in range(submits):
            await store.submit(submission(WARM + n))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        server = _proc_cpu_s(pids) - server_before
    finally:
        await bus.stop()
        await engine.dispose()
    return {
        "per_s": round(submits / wall, 1),
        "client_cpu_ms": round(cpu * 1000 / submits, 3),
        "server_cpu_ms": round(server * 1000 / submits, 3) if postgres else None,
    }


async def main_async(args: argparse.Namespace) -> None:
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in args.engines}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="foodscan-bench-") as tmp:
        for number in range(args.rounds):
            for name in args.engines:
                if name == "postgresql":
                    async with servers.scratch_database() as url:
                        found = await run_engine(url, args.submits, Path(tmp))
                else:
                    path = Path(tmp) / f"round{number}.db"
                    found = await run_engine(f"sqlite:///{path}", args.submits, Path(tmp))
                rounds[name].append(found)
                print(name, number, found, flush=True)  # noqa: T201 - progress
    load_end = os.getloadavg()
    lines = [
        "# CPU per submit (`bench/enqueue_cpu.py`)",
        "",
        f"{args.submits} submits a round; load {load_start[0]:.1f} → {load_end[0]:.1f}",
        "",
    ]
    rows = []
    for name, found in rounds.items():
        for key in ("per_s", "client_cpu_ms", "server_cpu_ms"):
            values = [r[key] for r in found if r[key] is not None]
            if values:
                rows.append([name, key, statistics.median(values), values])
    lines.append(figures.table(["engine", "figure", "median", "rounds"], rows))
    data = {
        "benchmark": "enqueue_cpu",
        "machine": figures.machine(),
        "load": [load_start, load_end],
        "rounds": rounds,
    }
    path = figures.write(args.name, data, "\n".join(lines), args.out)
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures
    print(f"written: {path}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", type=lambda s: s.split(","), default=["postgresql", "sqlite"])
    parser.add_argument("--name", default="enqueue_cpu")
    parser.add_argument("--out", type=Path, default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
