"""What every queue in the peer benchmark shares: the job-side report, the collector, the
client commands and the figures.

Standard library only: it runs in the peers' virtualenv (``.venv-peers``) and in foodscan's.

A job body calls ``report(tag, start, end)`` with ``time.perf_counter()`` readings; on Linux that
is ``CLOCK_MONOTONIC``, one clock for every process, so a submit time taken in one process and a
start time taken in a worker process compare directly. A report is one AF_UNIX datagram to the
socket named by ``BENCH_REPORT``; a Unix datagram is never dropped (a full queue blocks the
sender for a moment), and the ``Collector`` thread empties the queue as fast as it fills.

A peer module calls ``client_main`` with how to reset its backend and how to submit one job;
the driver (``bench/peer_queues.py``) runs it as ``python peer_X.py fill|arrivals|reset ...``
and reads the one JSON line it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

REPORT_ENV = "BENCH_REPORT"
SLEEP_S = 0.05  # the I/O job: 50 ms of waiting
GAP_S = (0.005, 0.045)  # start latency: arrivals uniformly 5 to 45 ms apart (mean 25 ms)

Submit = Callable[[str, int], Awaitable[None]]  # (job "noop" or "sleep", tag)
Span = tuple[float, float]  # (start, end) of one job body, perf_counter seconds

_sockets: dict[int, socket.socket] = {}  # one per process (Celery's prefork children fork)


def report(tag: int, start: float, end: float | None = None) -> None:
    """Tell the collector that job ``tag`` ran from ``start`` to ``end`` (perf_counter)."""
    sock = _sockets.get(os.getpid())
    if sock is None:
        sock = _sockets[os.getpid()] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.sendto(f"{tag} {start!r} {end if end is not None else start!r}".encode(), _target())


def _target() -> str:
    return os.environ[REPORT_ENV]


class Collector:
    """The job reports, gathered by a thread reading a Unix datagram socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.spans: dict[int, Span] = {}
        self._changed = threading.Condition()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self._sock.bind(str(path))
        self._sock.settimeout(0.2)
        self._closed = False
        self._thread = threading.Thread(target=self._read, name="bench-collector", daemon=True)
        self._thread.start()

    def record(self, tag: int, start: float, end: float) -> None:
        """Add one report (the in-process path: foodscan embedded calls this directly)."""
        with self._changed:
            self.spans.setdefault(tag, (start, end))  # a redelivered job keeps its first run
            self._changed.notify_all()

    def _read(self) -> None:
        while not self._closed:
            try:
                data = self._sock.recv(256)
            except TimeoutError:
                continue
            except OSError:
                return
            tag, start, end = data.split()
            self.record(int(tag), float(start), float(end))

    def clear(self) -> None:
        with self._changed:
            self.spans.clear()

    def wait_sync(self, tags: range, timeout_s: float) -> dict[int, Span]:
        """The spans of ``tags`` once all arrived; ``TimeoutError`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                missing = sum(1 for tag in tags if tag not in self.spans)
                if not missing:
                    return {tag: self.spans[tag] for tag in tags}
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{missing} of {len(tags)} jobs did not report")
                self._changed.wait(min(left, 0.5))

    async def wait(self, tags: range, timeout_s: float) -> dict[int, Span]:
        return await asyncio.to_thread(self.wait_sync, tags, timeout_s)

    def close(self) -> None:
        self._closed = True
        self._sock.close()
        self._thread.join(timeout=2)
        self.path.unlink(missing_ok=True)


@asynccontextmanager
async def worker_process(
    command: Sequence[str], env: dict[str, str], log: Path, grace_s: float = 20.0
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A worker process (output to ``log``), stopped with SIGTERM on exit, killed after
    ``grace_s``. Its exit status is not judged: some peers exit non-zero on SIGTERM."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)  # its session: Celery's pool children too
            await asyncio.wait_for(process.wait(), 10)


def drain_per_s(spans: dict[int, Span]) -> float:
    """Jobs per second from the first job's start to the last job's end."""
    first = min(start for start, _ in spans.values())
    last = max(end for _, end in spans.values())
    return len(spans) / (last - first)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def latency_ms(submitted: dict[int, float], spans: dict[int, Span]) -> dict[str, float]:
    """Submit → job body start, in milliseconds: p50, p99, max."""
    waits = [(spans[tag][0] - at) * 1000 for tag, at in submitted.items()]
    return {
        "p50_ms": round(statistics.median(waits), 3),
        "p99_ms": round(percentile(waits, 0.99), 3),
        "max_ms": round(max(waits), 3),
    }


async def fill(submit: Submit, n: int, job: str, first_tag: int) -> dict[str, float]:
    """Submit ``n`` jobs one at a time; the submit rate."""
    started = time.perf_counter()
    for tag in range(first_tag, first_tag + n):
        await submit(job, tag)
    seconds = time.perf_counter() - started
    return {"jobs": n, "seconds": round(seconds, 4), "per_s": round(n / seconds, 1)}


async def arrivals(submit: Submit, k: int, first_tag: int, seed: int) -> dict[int, float]:
    """Submit ``k`` no-op jobs at random moments; the perf_counter time of each submit."""
    rand = random.Random(seed)  # noqa: S311 - arrival times, not secrets
    submitted: dict[int, float] = {}
    at = time.perf_counter()
    for tag in range(first_tag, first_tag + k):
        at += rand.uniform(*GAP_S)
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        submitted[tag] = time.perf_counter()
        await submit("noop", tag)
    return submitted


def client_main(
    reset: Callable[[], Awaitable[None]],
    client: Callable[[], AbstractAsyncContextManager[Submit]],
    worker: Callable[[int, str], None],
) -> None:
    """The command line of a peer module: ``reset``, ``fill``, ``arrivals``, ``worker``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["reset", "fill", "arrivals", "worker"])
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--job", choices=["noop", "sleep"], default="noop")
    parser.add_argument("--first-tag", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slots", type=int, default=2)
    args = parser.parse_args()
    if args.command == "worker":
        worker(args.slots, args.job)  # runs until SIGTERM
        return
    answer: object = asyncio.run(_client(args, reset, client))
    print(json.dumps(answer), flush=True)  # noqa: T201 - the one line the driver reads


async def _client(
    args: argparse.Namespace,
    reset: Callable[[], Awaitable[None]],
    client: Callable[[], AbstractAsyncContextManager[Submit]],
) -> object:
    if args.command == "reset":
        await reset()
        return {"reset": True}
    async with client() as submit:
        if args.command == "fill":
            return await fill(submit, args.n, args.job, args.first_tag)
        return await arrivals(submit, args.n, args.first_tag, args.seed)


async def noop_body(tag: int) -> None:
    """The no-op job every async peer runs."""
    start = time.perf_counter()
    report(tag, start, time.perf_counter())


async def sleep_body(tag: int) -> None:
    """The I/O job every async peer runs: 50 ms of ``asyncio.sleep``."""
    start = time.perf_counter()
    await asyncio.sleep(SLEEP_S)
    report(tag, start, time.perf_counter())
