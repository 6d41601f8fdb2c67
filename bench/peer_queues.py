"""foodscan against Celery, SAQ, arq, procrastinate and pgqueuer: the same four workloads,
one run, one machine (``bench/queue_workloads.py`` defines them).

    python bench/peer_queues.py [--quick] [--runs 3] [--only saq,foodscan-sqlite]

Creates (or reuses) ``.venv-peers`` with the pinned ``bench/peers/requirements.txt``; each
peer's client and worker run there as subprocesses (``bench/peers/peer_*.py``). foodscan runs
here (``bench/foodscan_queue.py``), embedded on SQLite and scale-out on PostgreSQL. Scratch
PostgreSQL databases ``bench_procrastinate``, ``bench_pgqueuer`` and ``bench_foodscan`` are made
fresh before each workload and dropped at the end; the Redis peers use databases 11 to 13 and
flush only those. Writes ``bench/results/peer_queues.json`` and ``.md`` and the table in
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import asyncpg
import foodscan_queue
import peer_report
import queue_workloads
import raw_limits
import scratch_db
from peers import probe

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / "peers"
VENV = ROOT / ".venv-peers"
REQUIREMENTS = PEERS / "requirements.txt"
RESULTS = BENCH / "results"
REDIS = ("127.0.0.1", 6379)
CLIENT_TIMEOUT_S = 300
# name: (module, backend, URL, the package whose version is shown)
PEER_QUEUES = {
    "celery": ("peer_celery.py", "Redis", "redis://127.0.0.1:6379/11", "celery"),
    "saq": ("peer_saq.py", "Redis", "redis://127.0.0.1:6379/12", "saq"),
    "arq": ("peer_arq.py", "Redis", "redis://127.0.0.1:6379/13", "arq"),
    "procrastinate": (
        "peer_procrastinate.py",
        "PostgreSQL",
        scratch_db.url_of("bench_procrastinate"),
        "procrastinate",
    ),
    "pgqueuer": ("peer_pgqueuer.py", "PostgreSQL", scratch_db.url_of("bench_pgqueuer"), "pgqueuer"),
}
FOODSCAN_PG_URL = scratch_db.url_of("bench_foodscan")
SIZES = {"full": {"n": 2000, "io_n": 2000, "k": 200}, "quick": {"n": 200, "io_n": 200, "k": 50}}


def ensure_venv() -> Path:
    """``.venv-peers`` with the pinned requirements; rebuilt when the file changed."""
    python = VENV / "bin" / "python"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / "requirements.sha256"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    _log(f"installing the peers into {VENV} (pinned: {REQUIREMENTS.relative_to(ROOT)})")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=300)  # noqa: S603
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True, timeout=900)  # noqa: S603
    stamp.write_text(digest)
    return python


class PeerTarget:
    """A peer queue: its client commands and its worker, run with the peers' Python."""

    def __init__(self, name: str, python: Path, collector: probe.Collector, folder: Path) -> None:
        self.name = name
        self.module, self.backend, self.url, _ = PEER_QUEUES[name]
        self.python = python
        self.folder = folder
        self.env = {**os.environ, "BENCH_URL": self.url, probe.REPORT_ENV: str(collector.path)}

    async def _client(self, *args: str) -> Any:
        process = await asyncio.create_subprocess_exec(
            str(self.python),
            str(PEERS / self.module),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), CLIENT_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        if process.returncode:
            raise RuntimeError(f"{self.name} {args[0]} failed: {err.decode()[-1500:]}")
        return json.loads(out.decode().strip().splitlines()[-1])

    async def reset(self) -> None:
        if self.backend == "PostgreSQL":
            await scratch_db.recreate(self.url)
        await self._client("reset")

    async def fill(self, n: int, job: str, first_tag: int) -> dict[str, float]:
        args = ["--n", str(n), "--job", job, "--first-tag", str(first_tag)]
        answer: dict[str, float] = await self._client("fill", *args)
        return answer

    async def arrivals(self, k: int, first_tag: int, seed: int) -> dict[int, float]:
        args = ["--n", str(k), "--first-tag", str(first_tag), "--seed", str(seed)]
        answer = await self._client("arrivals", *args)
        return {int(tag): at for tag, at in answer.items()}

    def worker(self, slots: int, job: str) -> AbstractAsyncContextManager[Any]:
        command = [str(self.python), str(PEERS / self.module), "worker"]
        command += ["--slots", str(slots), "--job", job]
        return probe.worker_process(command, self.env, self.folder / f"{self.name}-worker.log")

    async def close(self) -> None:
        """Nothing held between commands."""


def redis_command(*args: str, db: int | None = None) -> bytes:
    """One Redis command over RESP (no client library in this venv); its reply's payload."""
    with socket.create_connection(REDIS, timeout=5) as sock, sock.makefile("rb") as replies:
        commands = ([("SELECT", str(db))] if db is not None else []) + [args]
        for command in commands:
            parts = [part.encode() for part in command]
            sock.sendall(
                b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
            )
            line = replies.readline()
            if line.startswith(b"-"):
                raise RuntimeError(line.decode().strip())
            payload = replies.read(int(line[1:]) + 2)[:-2] if line.startswith(b"$") else line
        return payload


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


async def machine_info(python: Path) -> dict[str, Any]:
    info = redis_command("INFO", "server").decode()
    redis_version = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if "redis_version" in line),
        "unknown",
    )
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "postgresql": await scratch_db.server_version(),
        "redis": redis_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_start": _load(),
        "foodscan_source": _revision(),
        "peer_versions": _peer_versions(python),
        "raw_commits_per_s": {
            "postgresql": await raw_limits.postgresql_commits_per_s(scratch_db.url_of("bench_raw")),
            "sqlite": await raw_limits.sqlite_commits_per_s(),
        },
        "note": "the 2 cores were shared with other sessions' work (test suites, servers) "
        "while this ran, so the figures are lower and noisier than on an idle machine; "
        "the ratios compare queues measured side by side in the same run.",
    }


def _git(*args: str) -> str:
    command = ["git", "-C", str(ROOT), *args]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=30)  # noqa: S603
    return done.stdout.strip()


def _revision() -> str:
    """The git commit foodscan was measured at, and whether ``src/`` had changes."""
    try:
        head, dirty = _git("rev-parse", "--short", "HEAD"), _git("status", "--porcelain", "src")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' with uncommitted changes in src/' if dirty else ''}"


def _peer_versions(python: Path) -> dict[str, str]:
    names = [package for *_, package in PEER_QUEUES.values()]
    code = "import importlib.metadata as m, json, sys; "
    code += "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    out = subprocess.run(  # noqa: S603
        [str(python), "-c", code, *names], capture_output=True, text=True, check=True, timeout=60
    )
    versions: dict[str, str] = json.loads(out.stdout)
    return versions


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)  # noqa: T201


async def run(args: argparse.Namespace) -> dict[str, Any]:
    python = ensure_venv()
    sizes = SIZES["quick" if args.quick else "full"]
    machine = await machine_info(python)
    folder = Path(tempfile.mkdtemp(prefix="bench-peer-queues-"))
    collector = probe.Collector(folder / "reports.sock")
    targets: list[Any] = [PeerTarget(name, python, collector, folder) for name in PEER_QUEUES]
    targets += [
        foodscan_queue.ScaleOutPostgres(FOODSCAN_PG_URL, collector, folder),
        foodscan_queue.EmbeddedSqlite(collector, folder),
    ]
    if args.only:
        targets = [t for t in targets if t.name in args.only.split(",")]
    runs: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
    try:
        for index in range(args.runs):
            for target in targets:
                started = time.perf_counter()
                figures = await _run_target(target, collector, sizes, index)
                runs[target.name].append(figures)
                seconds = time.perf_counter() - started
                _log(f"run {index + 1}, {target.name} ({seconds:.0f} s): {figures}")
    finally:
        collector.close()
        await _clean_up()
    machine["load_end"] = _load()
    machine["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if any("error" in figures for results in runs.values() for figures in results):
        _log(f"some runs failed: the workers' logs are in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return _summary(args, sizes, machine, runs)


async def _run_target(
    target: Any, collector: probe.Collector, sizes: dict[str, int], index: int
) -> dict[str, Any]:
    """One run of every workload on ``target``, tried a second time if the first fails (the
    machine is shared: another session's test may terminate database connections)."""
    failure = ""
    for attempt in (1, 2):
        try:
            figures: dict[str, Any] = await queue_workloads.run_all(
                target, collector, **sizes, seed=index
            )
        except Exception as exc:  # one queue failing must not lose the others
            failure = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
            _log(f"run {index + 1}, {target.name}, attempt {attempt} failed: {failure}")
            continue
        finally:
            await target.close()
        if attempt > 1:
            figures["retried_after"] = failure
        return figures
    return {"error": failure}


async def _clean_up() -> None:
    """Drop the scratch databases and flush the peers' Redis databases, whatever failed."""
    postgres = [u for _, backend, u, _ in PEER_QUEUES.values() if backend == "PostgreSQL"]
    for url in [FOODSCAN_PG_URL, *postgres]:
        try:
            await scratch_db.drop(url)
        except (OSError, asyncpg.PostgresError) as exc:
            _log(f"could not drop {url}: {exc}")
    for _, backend, url, _ in PEER_QUEUES.values():
        if backend == "Redis":
            try:
                redis_command("FLUSHDB", db=int(url.rsplit("/", 1)[1]))
            except (OSError, RuntimeError) as exc:
                _log(f"could not flush {url}: {exc}")


def _summary(
    args: argparse.Namespace,
    sizes: dict[str, int],
    machine: dict[str, Any],
    runs: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    versions = machine["peer_versions"]
    queues: dict[str, dict[str, Any]] = {}
    for name, results in runs.items():
        if name in PEER_QUEUES:
            _, backend, _, package = PEER_QUEUES[name]
            version = versions.get(package, "")
        else:
            backend = "PostgreSQL" if name == peer_report.FOODSCAN_PG else "SQLite (embedded)"
            version = _foodscan_version()
        queues[name] = {
            "backend": backend,
            "version": version,
            "median": peer_report.medians(results),
            "runs": results,
        }
    command = "python bench/peer_queues.py" + (" --quick" if args.quick else "")
    command += f" --runs {args.runs}" + (f" --only {args.only}" if args.only else "")
    return {
        "command": command,
        "runs": args.runs,
        **sizes,
        "machine": machine,
        "queues": queues,
        "targets": peer_report.check(peer_report.GOALS, queues),
    }


def _foodscan_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("foodscan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=200, 1 run: under 2 minutes")
    parser.add_argument("--runs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument(
        "--only", default="", help="comma-separated queue names (prints, writes no results)"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md as is")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    summary = asyncio.run(run(args))
    table = peer_report.markdown(summary)
    if args.only:  # a partial run is for development: it replaces no results
        print(table)  # noqa: T201 - a benchmark prints its figures
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peer_queues.json").write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "peer_queues.md").write_text("# Peer queues\n\n" + table)
    if not args.no_readme and not peer_report.update_readme(BENCH / "README.md", table):
        _log("bench/README.md has no peer-queues markers: table not copied there")
    print(table)  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
