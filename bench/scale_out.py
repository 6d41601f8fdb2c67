"""Scale-out on PostgreSQL: jobs per second with 1, 2 and 4 worker processes against the ideal.

    python bench/scale_out.py [--quick] [--processes 1,2,4] [--jobs 4000] [--out DIR]

Each worker process is ``foodscan worker``'s start-up with the peer benchmark's pipeline
(``foodscan_queue.py worker URL --slots 20``): the real runtime, heartbeats and background
duties included, woken by LISTEN/NOTIFY. Every job is the I/O job (``asyncio.sleep(0.05)``), so
20 slots could finish 400 a second per process; what is left of that is the queue's cost per
job (CPU on this machine, locks in the database).

For each count of processes: a fresh database; ``--jobs`` jobs queued (one through
``JobStore.submit``, the rest copies of it, ``deep_fill``) and held back; the processes are
started and registered; then every job is made due at once, so no process starts before the
others. The rate runs from the first job body's start to the last one's end (``probe``); the
CPU seconds the worker processes used, per job, are read from ``/proc``, and so are the local
PostgreSQL server's (all of its processes: other clients' work counts too). Targets: 1 process ≥ 0.9
of the ideal (360/s), 4 processes ≥ 1,000/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import deep_fill
import figures
import foodscan_queue
import scratch_db
import servers
import sqlalchemy as sa
from peers import probe

SLOTS = 20
SIZES = {"full": {"jobs": 4000, "processes": "1,2,4"}, "quick": {"jobs": 100, "processes": "1,2"}}
START_TIMEOUT_S = 60.0
ONE_PROCESS_SHARE, FOUR_PROCESS_RATE = 0.9, 1000.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu_s(postmaster: int | None) -> float | None:
    """CPU seconds the local PostgreSQL server has used: the postmaster, the children it has
    reaped (backends that ended) and its live children (backends, WAL writer, autovacuum).
    Other clients' work on the same server counts too. None: the server is not local."""
    if postmaster is None:
        return None
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    except OSError:
        return None
    total = ticks / os.sysconf("SC_CLK_TCK")
    for child in children:
        with contextlib.suppress(OSError, ValueError):
            total += _cpu_s(int(child))
    return total


async def _postmaster(target: foodscan_queue.ScaleOutPostgres) -> int | None:
    """The local PostgreSQL server's process id (the parent of this connection's backend)."""
    assert target.engine is not None  # noqa: S101 - reset() first
    async with target.engine.connect() as conn:
        backend = int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())
    return _parent(backend)


def _parent(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))


async def _wait_registered(target: foodscan_queue.ScaleOutPostgres, count: int) -> None:
    assert target.engine is not None  # noqa: S101 - reset() first
    deadline = time.monotonic() + START_TIMEOUT_S
    while await deep_fill.live_workers(target.engine) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} workers did not register within {START_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.1)  # polling the workers table: nothing to await instead


async def one_count(
    target: foodscan_queue.ScaleOutPostgres, collector: probe.Collector, processes: int, jobs: int
) -> dict[str, Any]:
    """Drain ``jobs`` 50 ms jobs with ``processes`` worker processes of ``SLOTS`` slots."""
    await target.reset()
    collector.clear()
    assert target.store is not None  # noqa: S101 - reset() made it
    assert target.engine is not None  # noqa: S101
    first = await target.store.submit(foodscan_queue._submission("sleep", 0))
    await deep_fill.copy_queued(target.engine, first.job.id, jobs - 1, first_tag=1)
    await deep_fill.hold(target.engine, datetime.now(UTC) + timedelta(days=1))
    command = [sys.executable, foodscan_queue.__file__, "worker", target.url]
    command += ["--slots", str(SLOTS)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    env[probe.REPORT_ENV] = str(collector.path)
    async with contextlib.AsyncExitStack() as stack:
        started = [
            await stack.enter_async_context(
                probe.worker_process(command, env, target.folder / f"worker-{i}.log")
            )
            for i in range(processes)
        ]
        await _wait_registered(target, processes)
        postmaster = await _postmaster(target)
        cpu_before = sum(_cpu_s(p.pid) for p in started)
        server_before = _server_cpu_s(postmaster)
        await deep_fill.release(target.engine, datetime.now(UTC))
        spans = await collector.wait(range(jobs), 60 + jobs * 0.05)
        cpu_used = sum(_cpu_s(p.pid) for p in started) - cpu_before
        server_after = _server_cpu_s(postmaster)
    server_ms = (
        None
        if server_before is None or server_after is None
        else round((server_after - server_before) * 1000 / jobs, 2)
    )
    statuses = await target.statuses()
    rate = probe.drain_per_s(spans)
    ideal = processes * SLOTS / probe.SLEEP_S
    return {
        "processes": processes,
        "jobs": jobs,
        "per_s": round(rate, 1),
        "ideal_per_s": ideal,
        "share_of_ideal": round(rate / ideal, 2),
        "worker_cpu_ms_per_job": round(cpu_used * 1000 / jobs, 2),
        # The whole server's, other clients' included: on a shared machine, an upper bound.
        "postgres_cpu_ms_per_job": server_ms,
        "statuses": statuses,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = SIZES["quick" if args.quick else "full"]
    jobs = args.jobs or sizes["jobs"]
    counts = [int(n) for n in (args.processes or sizes["processes"]).split(",")]
    found: dict[str, Any] = {"command": _command(args), "machine": figures.machine()}
    found["slots"], found["rows"] = SLOTS, []
    url = scratch_db.url_of(f"bench_scale_out_{os.getpid()}", args.postgres)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        folder = Path(name)
        collector = probe.Collector(folder / "reports.sock")
        target = foodscan_queue.ScaleOutPostgres(url, collector, folder)
        try:
            for processes in counts:
                found["rows"].append(await one_count(target, collector, processes, jobs))
                print(found["rows"][-1], flush=True)  # noqa: T201 - progress
        finally:
            await target.close()
            collector.close()
            await scratch_db.drop(url)
    found["machine"]["load_average_end"] = figures.machine()["load_average"]
    found["targets"] = verdicts(found["rows"])
    return found


def verdicts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_count = {row["processes"]: row for row in rows}
    out: dict[str, Any] = {}
    if 1 in by_count:
        share = by_count[1]["share_of_ideal"]
        out["one_process"] = {"share_of_ideal": share, "met": share >= ONE_PROCESS_SHARE}
    if 4 in by_count:
        rate = by_count[4]["per_s"]
        out["four_processes"] = {"per_s": rate, "met": rate >= FOUR_PROCESS_RATE}
    return out


def markdown(found: dict[str, Any]) -> str:
    load = found["machine"]["load_average"]
    header = ["processes", "jobs", "jobs/s", "ideal", "share", "worker CPU ms/job"]
    header.append("PostgreSQL CPU ms/job")
    rows = [
        [r[key] for key in ("processes", "jobs", "per_s", "ideal_per_s", "share_of_ideal")]
        + [r["worker_cpu_ms_per_job"], r.get("postgres_cpu_ms_per_job")]
        for r in found["rows"]
    ]
    lines = [f"# Scale-out (PostgreSQL, {SLOTS} slots per process, 50 ms jobs)\n"]
    lines.append(f"`{found['command']}`, load average at start {load}\n")
    lines.append(figures.table(header, rows))
    lines.append("\nTargets: " + ", ".join(f"{k}: {v}" for k, v in found["targets"].items()))
    return "\n".join(lines)


def _command(args: argparse.Namespace) -> str:
    command = "python bench/scale_out.py" + (" --quick" if args.quick else "")
    command += f" --processes {args.processes}" if args.processes else ""
    return command + (f" --jobs {args.jobs}" if args.jobs else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 jobs, 1 and 2 processes")
    parser.add_argument("--processes", default="", help="comma-separated, default 1,2,4")
    parser.add_argument("--jobs", type=int, default=0, help="jobs per count (default 4000)")
    parser.add_argument("--postgres", default=servers.ADMIN_URL, help="the PostgreSQL server")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results")
    parser.add_argument("--name", default="scale_out", help="the results' file name")
    args = parser.parse_args()
    found = asyncio.run(run(args))
    text = markdown(found)
    figures.write(args.name, found, text, args.out)
    print(text)  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
