"""SSE fan-out: N clients of ``GET /v1/events`` on one ``foodscan serve --no-worker`` process
(PostgreSQL, so events arrive by LISTEN/NOTIFY like in scale-out), events written at a fixed
total rate by a separate publisher process through the product's write path.

Phases, each bounded in time:

1. a scratch database; the server (its open-file limit raised with ours: it inherits it);
   the publisher (``--publisher``, a subprocess) submits one job per user with
   ``JobStore.submit`` and says how far the log goes;
2. the clients connect (raw asyncio streams, one connection each: 10,000 httpx clients would
   measure httpx, not foodscan), ``Authorization: Bearer`` tokens of ``--users`` users, the
   stream resumed after the log's end; the server's RSS with them all idle, minus its RSS
   before they came, over N, is the memory per idle connection;
3. the publisher appends ``job.progress`` events (``jobs.writes.write`` + ``Write.event``: the
   event-order lock, the append, NOTIFY, commit) at ``--rate`` per second in total, round
   robin over the users' jobs, each carrying its publish wall-clock time in ``message``;
   every client takes each frame's time of arrival: publish→receive per event;
4. drain: until every client has every event of its user, or ``--drain`` seconds. Events
   missing then are reported as lost (the guarantee is that none is).

    python bench/sse_fanout.py [--clients 100,1000,10000] [--clients-per-user 1]
                               [--rate 1000] [--duration 20] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import figures
import servers

STAMP = re.compile(rb'"message":"t=([0-9.]+)"')
EVENT_ID = re.compile(rb"(?m)^id: ([0-9]+)")
CONNECT_TIMEOUT_S = 30.0
SETTLE_S = 3.0
TARGET_P99_MS = 100.0
TARGET_IDLE_KB = 40.0


# --- the publisher (a separate process) ------------------------------------------------------


def _answer(found: dict[str, Any]) -> None:
    """One JSON line on stdout: how the publisher talks to the benchmark."""
    print(json.dumps(found), flush=True)  # noqa: T201 - the publisher's answer to its parent


class Publisher:
    """The event source: one job per user, then ``job.progress`` events at a fixed rate."""

    def __init__(self, args: argparse.Namespace) -> None:
        from foodscan.db.engine import create_engine  # noqa: PLC0415 - the publisher's alone
        from foodscan.events.pg_listen import bus_for  # noqa: PLC0415
        from foodscan.jobs.store import JobStore  # noqa: PLC0415
        from foodscan.settings import Settings  # noqa: PLC0415

        self.args = args
        plans = {"paid": {"submits_per_minute": 0, "active_jobs": 0}}
        self.settings = Settings(database_url=args.database_url, plans=plans)
        self.engine = create_engine(self.settings.resolved_database_url)
        self.bus = bus_for(self.engine)  # NOTIFY on commit; it listens to nothing
        self.store = JobStore(self.engine, self.bus, self.settings)
        self.users = [f"user{n:05d}" for n in range(args.users)]
        self.rows: list[Any] = []  # Any: jobs.sql.Row
        self.per_user = [0] * len(self.users)
        self.write_ms: list[float] = []

    async def setup(self) -> int:
        """Submit one job per user (``JobStore.submit``); the log's last event id."""
        from foodscan.jobs import sql  # noqa: PLC0415
        from foodscan.jobs.job import InputFile  # noqa: PLC0415
        from foodscan.jobs.store import Submission  # noqa: PLC0415

        gate = asyncio.Semaphore(8)

        async def submit(user: str) -> str:
            async with gate:
                blob, digest = f"ab/{secrets.token_hex(16)}.jpg", secrets.token_hex(32)
                file = InputFile(blob, digest, "image/jpeg", 1, "r.jpg")
                sub = Submission(user_id=user, lane="paid", kind="receipt", inputs=[file])
                return (await self.store.submit(sub)).job.id

        job_ids = await asyncio.gather(*(submit(u) for u in self.users))
        async with self.engine.connect() as conn:
            self.rows = [await sql.get_job(conn, job_id) for job_id in job_ids]
            query = "SELECT coalesce(max(id), 0) FROM job_events"
            last: int = (await conn.exec_driver_sql(query)).scalar_one()
        return last

    async def run(self) -> float:
        """Write ``rate * duration`` events, ``batch`` per transaction; seconds it took."""
        total = int(self.args.rate * self.args.duration)
        t0 = time.monotonic()
        cursor = 0

        async def writer() -> None:
            nonlocal cursor
            while cursor < total:
                first, cursor = cursor, cursor + self.args.batch
                delay = t0 + first / self.args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await self._write(range(first, min(first + self.args.batch, total)))

        await asyncio.gather(*(writer() for _ in range(self.args.writers)))
        return time.monotonic() - t0

    async def _write(self, indexes: range) -> None:
        from foodscan.jobs.transaction import write  # noqa: PLC0415

        began = time.perf_counter()
        async with write(self.engine, self.bus, datetime.now(UTC)) as tx:
            for index in indexes:
                slot = index % len(self.users)
                # The publish time rides in the message: the clients subtract it on arrival.
                stamp = f"t={time.time():.6f}"
                await tx.event(
                    self.rows[slot],
                    "job.progress",
                    step="bench",
                    progress=index % 100,
                    message=stamp,
                )
                self.per_user[slot] += 1
        self.write_ms.append((time.perf_counter() - began) * 1000)


async def publish(args: argparse.Namespace) -> None:
    """The publisher process: set up, wait for "go" on stdin, publish, report."""
    publisher = Publisher(args)
    started = time.monotonic()
    last = await publisher.setup()
    _answer({"ready": True, "after": last, "setup_s": round(time.monotonic() - started, 2)})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    elapsed = await publisher.run()
    await publisher.engine.dispose()
    _answer(
        {
            "published": sum(publisher.per_user),
            "per_user": dict(zip(publisher.users, publisher.per_user, strict=True)),
            "publish_s": round(elapsed, 3),
            "write_ms_p50": figures.rounded(figures.percentile(publisher.write_ms, 0.5)),
            "write_ms_p99": figures.rounded(figures.percentile(publisher.write_ms, 0.99)),
        }
    )


# --- the clients (this process) --------------------------------------------------------------


@dataclass
class Client:
    """One SSE connection and what arrived on it."""

    user: str
    ids: set[int] = field(default_factory=set)
    duplicates: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    error: str | None = None


class Clients:
    """Every client, and the publish→receive latencies seen so far (ms)."""

    def __init__(self) -> None:
        self.all: list[Client] = []
        self.latencies_ms: list[float] = []
        self.first_receive: float | None = None
        self.last_receive: float | None = None
        self.arrived = asyncio.Event()

    async def run(self, client: Client, port: int, token: str, after: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            client.error = f"connect: {exc}"
            client.connected.set()
            return
        request = (
            f"GET /v1/events?after={after} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        )
        writer.write(request.encode())
        buffer = b""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                client.error = head.split(b"\r\n", 1)[0].decode()
                return
            while True:
                data = await reader.read(65536)
                if not data:
                    client.error = client.error or "closed by the server"
                    return
                now = time.time()
                buffer += data
                *frames, buffer = buffer.split(b"\n\n")
                for frame in frames:
                    self._frame(client, frame, now)
        except (OSError, asyncio.IncompleteReadError) as exc:
            client.error = f"{type(exc).__name__}: {exc}"
        finally:
            client.connected.set()
            writer.close()

    def _frame(self, client: Client, frame: bytes, now: float) -> None:
        if b"retry:" in frame:
            client.connected.set()
        found = EVENT_ID.search(frame)
        if found is None:
            return
        event_id = int(found.group(1))
        if event_id in client.ids:
            client.duplicates += 1
            return
        client.ids.add(event_id)
        self.arrived.set()
        stamp = STAMP.search(frame)
        if stamp is not None:
            self.latencies_ms.append((now - float(stamp.group(1))) * 1000)
            self.first_receive = self.first_receive or now
            self.last_receive = now

    def received(self) -> int:
        return sum(len(c.ids) for c in self.all)

    async def wait_for(self, expected: int, within: float) -> None:
        """Until ``expected`` events arrived in all, or ``within`` seconds passed."""
        deadline = time.monotonic() + within
        while self.received() < expected and time.monotonic() < deadline:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), max(0.01, deadline - time.monotonic()))


async def connect_all(  # noqa: PLR0917 - one run's parts
    clients: Clients,
    port: int,
    tokens: dict[str, str],
    users: list[str],
    count: int,
    after: int,
    within: float,
) -> float:
    """Open ``count`` streams (at most 256 handshakes at once); seconds it took."""
    started = time.monotonic()
    gate = asyncio.Semaphore(256)

    async def one(index: int) -> None:
        user = users[index % len(users)]
        client = Client(user)
        clients.all.append(client)
        async with gate:
            client.task = asyncio.create_task(clients.run(client, port, tokens[user], after))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.connected.wait(), CONNECT_TIMEOUT_S)

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), within)
    return time.monotonic() - started


# --- one run ---------------------------------------------------------------------------------


def _publisher(args: argparse.Namespace, url: str, users: int, log: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        __file__,
        "--publisher",
        "--database-url",
        url,
        "--users",
        str(users),
        "--rate",
        str(args.rate),
        "--duration",
        str(args.duration),
        "--batch",
        str(args.batch),
        "--writers",
        str(args.writers),
    ]
    return subprocess.Popen(  # noqa: S603 - this script
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True
    )


def _profile(
    args: argparse.Namespace, served: servers.Served, folder: Path, count: int
) -> subprocess.Popen[bytes] | None:
    """With ``--profile``: py-spy samples the server while events are published (a dev tool)."""
    if not args.profile:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603 - py-spy from this environment
        [
            str(servers.BIN / "py-spy"),
            "record",
            "--pid",
            str(served.pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--duration",
            str(int(args.duration)),
            "--output",
            str(folder / f"{args.name}-{count}.collapsed"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _keep_log(args: argparse.Namespace, served: servers.Served, count: int) -> None:
    """Keep what the server said about refused or dropped streams next to the figures."""
    folder = args.out or figures.RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    tail = "\n".join(served.log().splitlines()[-400:])
    (folder / f"{args.name}-{count}-server.log").write_text(tail)


def _read_json_line(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    if process.stdout is None:
        raise SystemExit("the publisher has no stdout")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("{"):
            found: dict[str, Any] = json.loads(line)
            return found
        if not line and process.poll() is not None:
            break
    raise SystemExit("the publisher did not answer in time (see its log)")


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """The clients' own collector must not pause their reading (a full collection over 10,000
    clients took 0.4 s): what they allocate while events flow is not cyclic garbage."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def _publish_phase(
    publisher: subprocess.Popen[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Tell the publisher to go; its report once it wrote every event."""
    if publisher.stdin is None:
        raise SystemExit("the publisher has no stdin")
    publisher.stdin.write("go\n")
    publisher.stdin.flush()
    return await asyncio.to_thread(_read_json_line, publisher, args.duration * 3 + 60)


async def run_level(args: argparse.Namespace, count: int, folder: Path) -> dict[str, Any]:
    from foodscan.auth import mint_token  # noqa: PLC0415
    from foodscan.settings import Settings  # noqa: PLC0415

    users = [f"user{n:05d}" for n in range(max(1, count // args.clients_per_user))]
    key = secrets.token_urlsafe(32)
    tokens = {u: mint_token(Settings(secret_key=key), u, "paid") for u in users}
    async with servers.scratch_database() as url:
        env = servers.foodscan_env(
            folder / f"data-{count}",
            url,
            FOODSCAN_SECRET_KEY=key,
            FOODSCAN_GC_SCHEDULE="true" if args.gc_schedule else "false",
        )
        served = servers.serve_foodscan(env, folder / f"server-{count}.log", worker=False)
        publisher = _publisher(args, url, len(users), folder / f"publisher-{count}.log")
        clients = Clients()
        try:
            setup = await asyncio.to_thread(_read_json_line, publisher, args.setup_timeout)
            # Warm the stream path once, then the baseline.
            warm = Client(users[0])
            warm.task = asyncio.create_task(
                clients.run(warm, served.port, tokens[users[0]], setup["after"])
            )
            await asyncio.wait_for(warm.connected.wait(), CONNECT_TIMEOUT_S)
            warm.task.cancel()
            await asyncio.sleep(1.0)
            rss_before = served.rss_kb()
            connect_s = await connect_all(
                clients, served.port, tokens, users, count, setup["after"], args.connect_timeout
            )
            await asyncio.sleep(SETTLE_S)
            rss_idle = served.rss_kb()
            failed = [c for c in clients.all if c.error or not c.connected.is_set()]
            with _collector_off():
                cpu0 = served.cpu_s()
                spy = _profile(args, served, args.out or folder.parent, count)
                result = await _publish_phase(publisher, args)
                expected = sum(result["per_user"][c.user] for c in clients.all if not c.error)
                await clients.wait_for(expected, args.drain)
                cpu_s = served.cpu_s() - cpu0
            if spy is not None:
                spy.wait(timeout=args.duration + 60)
            rss_after = served.rss_kb()
        finally:
            for client in clients.all:
                if client.task is not None:
                    client.task.cancel()
            await asyncio.gather(*(c.task for c in clients.all if c.task), return_exceptions=True)
            with contextlib.suppress(subprocess.TimeoutExpired):
                publisher.kill()
                publisher.wait(timeout=10)
            served.stop()
            if any(c.error for c in clients.all):
                _keep_log(args, served, count)
    received = clients.received()
    window = (clients.last_receive or 0) - (clients.first_receive or 0)
    lat = clients.latencies_ms
    return {
        "clients": count,
        "users": len(users),
        "connected": count - len(failed),
        "connect_errors": sorted({c.error or "timeout" for c in failed})[:5],
        "connect_s": round(connect_s, 2),
        "setup_s": setup["setup_s"],
        "rate_target": args.rate,
        "published": result["published"],
        "publish_s": result["publish_s"],
        "publish_rate": round(result["published"] / result["publish_s"], 1),
        "write_ms_p50": result["write_ms_p50"],
        "write_ms_p99": result["write_ms_p99"],
        "expected_deliveries": expected,
        "delivered": received,
        "lost": expected - received,
        "duplicates": sum(c.duplicates for c in clients.all),
        "delivered_per_s": round(received / window, 1) if window > 0 else None,
        "latency_ms_p50": figures.rounded(figures.percentile(lat, 0.50), 1),
        "latency_ms_p99": figures.rounded(figures.percentile(lat, 0.99), 1),
        "latency_ms_max": figures.rounded(max(lat) if lat else None, 1),
        "latency_ms_mean": round(statistics.fmean(lat), 1) if lat else None,
        "server_rss_kb_before": rss_before,
        "server_rss_kb_idle": rss_idle,
        "server_rss_kb_after": rss_after,
        "idle_kb_per_connection": round((rss_idle - rss_before) / count, 1),
        "server_cpu_s_publishing": round(cpu_s, 2),
        # The server's CPU per event delivered to one client, while events flowed (µs).
        "server_cpu_us_per_delivery": round(cpu_s / received * 1e6, 1) if received else None,
        "load_average_end": round(os.getloadavg()[0], 2),
    }


def report(
    started: dict[str, Any], levels: list[dict[str, Any]], args: argparse.Namespace, nofile: int
) -> tuple[dict[str, Any], str]:
    data = {
        "benchmark": "sse_fanout",
        "machine": started,
        "nofile": nofile,
        "clients_per_user": args.clients_per_user,
        "rate": args.rate,
        "duration_s": args.duration,
        "batch": args.batch,
        "levels": levels,
        "targets": {"p99_ms": TARGET_P99_MS, "idle_kb_per_connection": TARGET_IDLE_KB},
    }
    rows = [
        [
            lv["clients"],
            lv["users"],
            lv["connected"],
            lv["publish_rate"],
            lv["delivered_per_s"],
            lv["delivered"],
            lv["lost"],
            lv["duplicates"],
            lv["latency_ms_p50"],
            lv["latency_ms_p99"],
            lv["latency_ms_max"],
            lv["idle_kb_per_connection"],
            lv["server_cpu_s_publishing"],
            lv["server_cpu_us_per_delivery"],
            lv["load_average_end"],
        ]
        for lv in levels
    ]
    lines = [
        "# SSE fan-out (`bench/sse_fanout.py`)",
        "",
        f"`GET /v1/events` on one `foodscan serve --no-worker` (PostgreSQL, LISTEN/NOTIFY); "
        f"{args.clients_per_user} client(s) per user; `job.progress` events written by a separate "
        f"process at {args.rate:g}/s in total for {args.duration:g} s ({args.batch} per write "
        f"transaction, {args.writers} writers); clients, server, publisher and PostgreSQL share "
        f"{data['machine']['cpus']} cores (load average before: "
        f"{data['machine']['load_average']}).",
        "",
        figures.table(
            [
                "clients",
                "users",
                "connected",
                "published/s",
                "delivered/s",
                "delivered",
                "lost",
                "dup",
                "p50 ms",
                "p99 ms",
                "max ms",
                "KB per idle conn",
                "server CPU s",
                "server CPU µs per delivery",
                "load avg at end",
            ],
            rows,
        ),
        "",
        f"Targets: p99 ≤ {TARGET_P99_MS:g} ms at 1,000 events/s with 10,000 clients; ≤ "
        f"{TARGET_IDLE_KB:g} KB server memory per idle connection.",
    ]
    return data, "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    started = figures.machine()  # the load average as the run starts
    nofile = servers.raise_nofile(max(args.clients) * 2 + 4096)
    levels = []
    with tempfile.TemporaryDirectory(prefix="foodscan-bench-") as tmp:
        for count in args.clients:
            level = await run_level(args, count, Path(tmp))
            print(json.dumps(level), flush=True)  # noqa: T201 - a benchmark prints its figures
            levels.append(level)
    data, markdown = report(started, levels, args, nofile)
    path = figures.write(args.name, data, markdown, args.out)
    print(markdown)  # noqa: T201
    print(f"written: {path}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients", type=lambda s: [int(x) for x in s.split(",")], default=[100, 1000, 10000]
    )
    parser.add_argument("--clients-per-user", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second in total")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of publishing")
    parser.add_argument("--batch", type=int, default=1, help="events per write transaction")
    parser.add_argument("--writers", type=int, default=8, help="concurrent write transactions")
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for stragglers")
    parser.add_argument("--setup-timeout", type=float, default=300.0)
    parser.add_argument("--connect-timeout", type=float, default=300.0)
    parser.add_argument("--profile", action="store_true", help="py-spy the server (dev tool)")
    parser.add_argument(
        "--gc-schedule", action="store_true", help="FOODSCAN_GC_SCHEDULE=true on the server"
    )
    parser.add_argument("--name", default="sse_fanout")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--publisher", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        asyncio.run(publish(args))
        return
    try:
        import uvloop  # noqa: PLC0415 - the clients' loop: uvicorn's standard extra brings it
    except ImportError:
        asyncio.run(main_async(args))
    else:
        uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
