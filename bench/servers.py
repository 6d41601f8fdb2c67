"""Server processes for the benchmarks, on loopback only: ``foodscan serve`` (and the bare
comparison app) as subprocesses, scratch PostgreSQL databases, the file-descriptor limit.

A scratch database (``scratch_db``: ``bench_…``) is created for one run and dropped after it;
the database ``test`` that the test suite uses is never touched. Every wait here is bounded.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import scratch_db

BIN = Path(sys.executable).parent
FOODSCAN = BIN / "foodscan"
ADMIN_URL = os.environ.get("FOODSCAN_BENCH_POSTGRES_URL", scratch_db.SERVER)
START_TIMEOUT_S = 90.0
# Benchmarks measure the service, not the plan limits: a run submits far more than a user may.
NO_LIMITS = {
    "FOODSCAN_PLANS__PAID__SUBMITS_PER_MINUTE": "0",
    "FOODSCAN_PLANS__PAID__ACTIVE_JOBS": "0",
    "FOODSCAN_PLANS__FREE__SUBMITS_PER_MINUTE": "0",
    "FOODSCAN_PLANS__FREE__ACTIVE_JOBS": "0",
    "FOODSCAN_PLANS__FREE__PAGES_PER_DAY": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raise_nofile(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted`` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def foodscan_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked server: no inherited ``FOODSCAN_*``, no plan limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    env["FOODSCAN_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["FOODSCAN_DATABASE_URL"] = database_url
    env.update(NO_LIMITS)
    env.update(extra)
    return env


@dataclass
class Served:
    """One server subprocess listening on ``port``."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kb(self) -> int:
        """Resident memory now (``VmRSS``), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_s(self) -> float:
        """User + system CPU seconds the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL when it does not exit within ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(
    command: list[str], env: Mapping[str, str], port: int, log_path: Path, probe: str = "/healthz"
) -> Served:
    """Start ``command`` and wait (bounded) until ``probe`` answers 200 on ``port``."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    served = Served(process, port, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} exited early:\n{served.log()[-4000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{served.url}{probe}", timeout=1).status_code == 200:
                return served
        time.sleep(0.1)
    served.stop()
    raise SystemExit(f"{command[0]} did not answer {probe} within {START_TIMEOUT_S:.0f} s")


def serve_foodscan(env: Mapping[str, str], log_path: Path, *, worker: bool) -> Served:
    """``foodscan serve`` on a free port (``--no-worker``: the API alone)."""
    port = free_port()
    command = [str(FOODSCAN), "serve", "--port", str(port)]
    if not worker:
        command.append("--no-worker")
    return start(command, env, port, log_path, probe="/healthz")


@contextlib.asynccontextmanager
async def scratch_database(server: str = ADMIN_URL) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one run (its URL); dropped afterwards."""
    url = scratch_db.url_of(f"bench_{uuid.uuid4().hex[:10]}", server)
    await scratch_db.recreate(url)
    try:
        yield url
    finally:
        await scratch_db.drop(url)
