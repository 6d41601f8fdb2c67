"""A SROIE scan in the running worker against RapidOCR alone on the same image (issue 16, speed).

``receipt_overhead.py`` measures the receipt kind's steps in one process. This script measures
what a job costs in the real service: ``foodscan serve`` embedded (SQLite, every pool at its
default), each scan submitted over HTTP once the previous one has finished, and between two
jobs RapidOCR alone (its defaults, the bundled models) reading the same image in this process.
Per scan:

- **worker seconds**: ``job.started`` → ``job.succeeded`` from the job's own events;
- **server CPU seconds**: the server process's user + system CPU over the job (submit to its
  last event; the idle server's own CPU over the same time, measured first, is subtracted);
- the bare engine's wall and CPU seconds.

On a machine shared with other work the CPU seconds are the steadier measure; the wall clock
swings with the load (``uptime`` is recorded before and after).

    python bench/worker_overhead.py [--limit 10] [--out FILE.json] [--no-arena]
                                    [--py-spy SAMPLES.txt]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import figures
import httpx
import servers
from receipt_overhead import DATA, bare_engine, cpu_seconds
from recognition_speed import follow, submit

IDLE_PROBE_S = 5.0


def idle_cpu_rate(served: servers.Served) -> float:
    """CPU seconds per second the server spends with nothing to do (heartbeats, sweeps)."""
    before = served.cpu_s()
    time.sleep(IDLE_PROBE_S)
    return (served.cpu_s() - before) / IDLE_PROBE_S


def py_spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (every thread, idle ones too) until it is sent SIGINT."""
    command = [
        str(servers.BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--output",
        str(out),
        "--rate",
        "50",
        "--nonblocking",
        "--threads",
        "--idle",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def run(
    images: list[Path], served: servers.Served, profile: Path | None = None
) -> list[dict[str, Any]]:
    bare = bare_engine()
    rows = []
    with httpx.Client(base_url=served.url, timeout=60) as client:
        # Warm both: the server's models load on its first job, the bare engine's here.
        follow(client, submit(client, images[0].name, images[0].read_bytes()))
        bare(str(images[0]))
        idle = idle_cpu_rate(served)
        spy = py_spy(served.pid, profile) if profile else None
        for path in images:
            began, cpu0 = time.perf_counter(), cpu_seconds()
            found = bare(str(path))
            bare_s, bare_cpu = time.perf_counter() - began, cpu_seconds() - cpu0

            began, server0 = time.perf_counter(), served.cpu_s()
            seen = follow(client, submit(client, path.name, path.read_bytes()))
            elapsed = time.perf_counter() - began
            server_cpu = served.cpu_s() - server0 - idle * elapsed
            if seen.get("outcome") != "job.succeeded":
                raise SystemExit(f"{path.name}: {seen.get('outcome', 'no end')}")
            worker_s = float(seen["ended"]) - float(seen["started"])
            rows.append(
                {
                    "id": path.stem,
                    "bare_s": round(bare_s, 3),
                    "bare_cpu": round(bare_cpu, 3),
                    "worker_s": round(worker_s, 3),
                    "server_cpu": round(server_cpu, 3),
                    "bare_lines": len(found.txts or ()),
                }
            )
            sys.stdout.write(json.dumps(rows[-1]) + "\n")
            sys.stdout.flush()
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def ratio(num: str, den: str) -> float:
        return round(sum(r[num] for r in rows) / sum(r[den] for r in rows), 3)

    return {
        "n": len(rows),
        "bare_s_mean": round(statistics.fmean(r["bare_s"] for r in rows), 3),
        "worker_s_mean": round(statistics.fmean(r["worker_s"] for r in rows), 3),
        "wall_ratio_of_sums": ratio("worker_s", "bare_s"),
        "wall_ratio_p50": round(statistics.median(r["worker_s"] / r["bare_s"] for r in rows), 3),
        "bare_cpu_mean": round(statistics.fmean(r["bare_cpu"] for r in rows), 3),
        "server_cpu_mean": round(statistics.fmean(r["server_cpu"] for r in rows), 3),
        "cpu_ratio_of_sums": ratio("server_cpu", "bare_cpu"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--no-arena",
        action="store_true",
        help="FOODSCAN_OCR_MEMORY_ARENA=false (the setting before it existed)",
    )
    parser.add_argument("--py-spy", type=Path, default=None, help="the server's samples (raw)")
    args = parser.parse_args()
    images = sorted((args.data / "img").glob("*.jpg"))[: args.limit]
    if not images:
        raise SystemExit(f"no scans under {args.data / 'img'}")
    machine_before = figures.machine()
    with tempfile.TemporaryDirectory() as tmp:
        arena = {"FOODSCAN_OCR_MEMORY_ARENA": "false"} if args.no_arena else {}
        env = servers.foodscan_env(Path(tmp) / "data", None, **arena)
        served = servers.serve_foodscan(env, Path(tmp) / "server.log", worker=True)
        try:
            rows = run(images, served, args.py_spy)
            rss_mb = round(served.rss_kb() / 1024)
        finally:
            served.stop()
    result = {
        "machine_before": machine_before,
        "machine_after": figures.machine(),
        "summary": {**summary(rows), "server_rss_mb_after": rss_mb, "arena": not args.no_arena},
        "rows": rows,
    }
    sys.stdout.write(json.dumps(result["summary"], indent=1) + "\n")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
