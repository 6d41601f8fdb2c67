"""Load (PostgreSQL, loopback only, stops by itself): one ``foodscan serve --no-worker`` and two
``foodscan worker`` processes on a fresh database; ``clients`` SSE clients on ``/v1/events``
spread over ``users`` users stay connected throughout, while receipts (a one-page text PDF: a
real job that needs no OCR) are submitted at ``rate`` per second, open loop, for ``minutes``.
Every ``job_stream_every``-th accepted job is also followed on its own stream.

Measured: submit latency (from the moment a submit was due, so a slow server cannot hide behind
a waiting client), event delivery latency (a frame's arrival minus its event's ``created_at``),
the RSS of every process each few seconds. Checked: no 5xx, no accepted job lost, none finished
twice, none stuck running (each running job's lease is live), the queue in its fair order (each
user's jobs first in, first out, and ``GET /v1/jobs/{id}`` places equal to the claim order),
and every client's ids equal the event log of its user (or job): no gap, no duplicate, in order.

    python -m tests.reliability.load --minutes 5 --clients 1000 --rate 50
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import pickle
import time
from collections import Counter, defaultdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from foodscan.auth import mint_token
from foodscan.settings import Settings
from tests.corpus import text_pdf
from tests.e2e.server import RECEIPT_LINES, Server
from tests.reliability.harness import (
    TERMINAL,
    compare,
    deployment,
    event_rows,
    job_rows,
    scratch_database,
)
from tests.reliability.load_checks import (
    cpu_s,
    failures,
    log_errors,
    percentile,
    queue_check,
    rss_by_minute,
    rss_kb,
    stuck_running,
)
from tests.reliability.load_clients import (
    RawHttp,
    StreamLog,
    caught_up,
    client_process,
    close_all,
    follow,
    multipart,
    raise_file_limit,
)
from tests.reliability.results import save

SECRET = "a-load-run-signing-key-of-more-than-32-bytes"  # noqa: S105 - a test key
PAID_EVERY = 5  # one user in five is on the paid plan: both lanes are in play
RSS_EVERY_S = 2.0
CATCH_UP_S = 120.0
NO_LIMITS = {
    f"plans__{plan}__{limit}": "0"
    for plan in ("free", "paid")
    for limit in ("submits_per_minute", "pages_per_day", "active_jobs")
}


def users(count: int) -> list[tuple[str, str]]:
    return [(f"user-{i:03d}", "paid" if i % PAID_EVERY == 0 else "free") for i in range(count)]


class Submitter:
    """Open-loop submits at ``rate`` per second; every ``stream_every``-th accepted job is
    followed on its own stream by this process."""

    def __init__(self, api: Server, tokens: dict[str, str], stream_every: int) -> None:
        self.api = api
        self.tokens = tokens
        self.stream_every = stream_every
        self.http = RawHttp("127.0.0.1", api.port)
        body, media_type = multipart(
            {"kind": "receipt", "options": '{"dedupe": false}'},
            "file",
            "receipt.pdf",
            "application/pdf",
            text_pdf([RECEIPT_LINES]),
        )
        # The same bytes for every submit of a user but its key: built once, so cheap to send.
        self.requests = {
            user: self.http.request(
                "POST",
                "/v1/jobs",
                {"Authorization": f"Bearer {token}", "Content-Type": media_type},
                body,
            )
            for user, token in tokens.items()
        }
        self.keys = itertools.count()
        self.latencies: list[float] = []
        self.lag: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.accepted: dict[str, str] = {}  # job id → user
        self.job_logs: list[StreamLog] = []
        self.job_tasks: list[asyncio.Task[None]] = []
        self.answered_in_s = 0.0  # from the first submit due to the last one answered

    async def run(self, rate: float, seconds: float) -> None:
        names = list(self.tokens)
        pending: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            task = asyncio.create_task(self._one(names[i % len(names)], due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        self.answered_in_s = time.monotonic() - start
        self.http.close()

    async def _one(self, user: str, due: float) -> None:
        self.lag.append(time.monotonic() - due)
        try:
            request = self.requests[user]
            key = f"Idempotency-Key: load-{next(self.keys)}\r\n".encode()
            status, body = await self.http.send(request.replace(b"\r\n", b"\r\n" + key, 1))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.statuses[0] += 1
            return
        self.latencies.append(time.monotonic() - due)
        self.statuses[status] += 1
        if status != 202:
            return
        job_id = json.loads(body)["job_id"]
        self.accepted[job_id] = user
        if len(self.accepted) % self.stream_every == 0:
            path = f"/v1/jobs/{job_id}/events"
            log = StreamLog(path, self.tokens[user], user, job_id)
            self.job_logs.append(log)
            self.job_tasks.append(asyncio.create_task(follow("127.0.0.1", self.api.port, log)))


async def sample_rss(
    servers: dict[str, Server], samples: dict[str, list[tuple[float, int]]], start: float
) -> None:
    while True:
        for name, server in servers.items():
            if server.process is not None and (kb := rss_kb(server.process.pid)) is not None:
                samples[name].append((round(time.monotonic() - start, 1), kb))
        await asyncio.sleep(RSS_EVERY_S)


class LoadRun:
    """The parent's side of a run: submits, job streams, RSS samples, the checks at the end."""

    def __init__(
        self, database_url: str, api: Server, workers: list[Server], tokens: dict[str, str]
    ) -> None:
        self.database_url = database_url
        self.api = api
        self.workers = workers
        self.tokens = tokens
        self.procs = {"api": api} | {f"worker-{i}": w for i, w in enumerate(workers, start=1)}
        self.samples: dict[str, list[tuple[float, int]]] = {name: [] for name in self.procs}
        self.events: list[Any] = []

    def cpu(self, reader_pid: int | None) -> dict[str, float | None]:
        """CPU seconds of each process of the run so far (the clients' too)."""
        pids = {name: s.process.pid for name, s in self.procs.items() if s.process is not None}
        pids |= {"clients": reader_pid or 0, "submitter": os.getpid()}
        return {name: cpu_s(pid) for name, pid in pids.items()}

    async def main(
        self,
        submitter: Submitter,
        rate: float,
        seconds: float,
        pipe: Connection,
        pipe_pid: int | None,
    ) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        sampler = asyncio.create_task(sample_rss(self.procs, self.samples, time.monotonic()))
        await submitter.run(rate, seconds)
        sampler.cancel()
        rows = await asyncio.to_thread(job_rows, self.database_url)
        figures["running_at_end"] = sum(r.status == "running" for r in rows)
        figures["stuck_running"] = await asyncio.to_thread(stuck_running, self.database_url)
        figures["cpu_s"] = self.cpu(pipe_pid)
        for worker in self.workers:  # SIGTERM: running jobs finish or go back to the queue
            await asyncio.to_thread(worker.stop)
        figures |= await asyncio.to_thread(queue_check, self.database_url, self.api, self.tokens)
        self.events = await asyncio.to_thread(event_rows, self.database_url)
        last_of_user = {e.user_id: e.id for e in self.events}
        last_of_job = {e.job_id: e.id for e in self.events}
        pipe.send((last_of_user, CATCH_UP_S))
        jobs_done = await caught_up(submitter.job_logs, last_of_job, CATCH_UP_S)
        await close_all(submitter.job_tasks)
        _, users_done = await asyncio.to_thread(pipe.recv)
        figures["caught_up"] = bool(jobs_done and users_done)
        if self.api.process is not None and (kb := rss_kb(self.api.process.pid)):
            figures["api_rss_mb_end"] = round(kb / 1024, 1)
        await asyncio.to_thread(self.api.stop)
        figures["log_errors"] = {name: log_errors(s) for name, s in self.procs.items()}
        return figures


def outcome(run: LoadRun, submitter: Submitter, user_logs: list[StreamLog]) -> dict[str, Any]:
    """The figures: jobs, streams against the log, latencies, memory."""
    rows = job_rows(run.database_url)
    by_user: dict[str, list[int]] = defaultdict(list)
    by_job: dict[str, list[int]] = defaultdict(list)
    created = {}
    for event in run.events:
        by_user[event.user_id].append(event.id)
        by_job[event.job_id].append(event.id)
        created[event.id] = event.created_at.timestamp()
    streams = [(log, by_user[log.user]) for log in user_logs]
    streams += [(log, by_job[log.job_id or ""]) for log in submitter.job_logs]
    results = [compare(list(log.ids), logged) for log, logged in streams]
    kinds = {e.id: e.type for e in run.events}
    by_type: dict[str, list[float]] = defaultdict(list)
    for log, _ in streams:
        for i, at in zip(log.ids, log.at, strict=True):
            if i in created:
                by_type[kinds[i]].append(at - created[i])
    delivery = [d for ds in by_type.values() for d in ds]
    terminal = Counter(e.job_id for e in run.events if e.type in TERMINAL)
    swaps = sorted(
        {
            (a, kinds.get(a), b, kinds.get(b), "job" if log.job_id else "user")
            for log, _ in streams
            for a, b in itertools.pairwise(log.ids)
            if b <= a
        }
    )
    refused: Counter[int] = Counter()
    for log, _ in streams:
        refused.update(log.refused)
    return {
        "submits": sum(submitter.statuses.values()),
        "submit_statuses": {str(k): v for k, v in sorted(submitter.statuses.items())},
        "submit_5xx": sum(v for k, v in submitter.statuses.items() if k >= 500),
        "submit_transport_errors": submitter.statuses[0],
        "submit_p50_s": percentile(submitter.latencies, 0.50),
        "submit_p99_s": percentile(submitter.latencies, 0.99),
        "submit_max_s": percentile(submitter.latencies, 1.0),
        "client_lag_max_s": percentile(submitter.lag, 1.0),
        "submits_answered_in_s": round(submitter.answered_in_s, 1),
        "jobs": len(rows),
        "statuses": dict(Counter(r.status for r in rows)),
        "lost": len(set(submitter.accepted) - {r.id for r in rows}),
        "doubled": sum(1 for n in terminal.values() if n > 1),
        "events_logged": len(run.events),
        "events_by_type": dict(Counter(e.type for e in run.events)),
        "frames_received": sum(len(log.ids) for log, _ in streams),
        "job_streams": len(submitter.job_logs),
        "stream_reconnects": sum(max(0, log.connects - 1) for log, _ in streams),
        "stream_refusals": {str(k): v for k, v in sorted(refused.items())},
        **{
            f"sse_{k}": sum(r[k] for r in results)
            for k in ("missing", "doubled", "unknown", "out_of_order")
        },
        "disorder_sample": swaps[:12],
        "delivery_p50_s": percentile(delivery, 0.50),
        "delivery_p99_s": percentile(delivery, 0.99),
        "delivery_max_s": percentile(delivery, 1.0),
        "delivery_p50_p99_s_by_type": {
            t: [percentile(ds, 0.50), percentile(ds, 0.99)] for t, ds in sorted(by_type.items())
        },
        "rss_mb_by_minute": {name: rss_by_minute(s) for name, s in run.samples.items()},
    }


def run(
    database_url: str,
    root: Path,
    *,
    minutes: float,
    clients: int,
    rate: float,
    user_count: int = 50,
    job_stream_every: int = 50,
) -> dict[str, Any]:
    raise_file_limit(clients + 4096)
    started = time.monotonic()
    settings = {"secret_key": SECRET, "worker_concurrency": "2", "cpu_workers": "1"}
    # The product's own lease and heartbeat: this machine is loaded on purpose.
    settings |= {"lease_s": "30", "heartbeat_s": "5", "poll_s": "2", **NO_LIMITS}
    minting = Settings(secret_key=SECRET)
    tokens = {u: mint_token(minting, u, plan, ttl_s=86_400) for u, plan in users(user_count)}
    names = list(tokens)
    logs = [StreamLog("/v1/events", tokens[u], u) for u in (names * clients)[:clients]]
    with deployment(database_url, root, **settings) as deployed:
        workers = [deployed.server("worker") for _ in range(2)]
        for worker in workers:
            worker.start()
        api = deployed.server("serve", "--no-worker")
        api.start()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        out = root / "clients.pickle"
        reader = context.Process(
            target=client_process, args=("127.0.0.1", api.port, logs, theirs, out), daemon=True
        )
        reader.start()
        try:
            kind, opened = ours.recv()
            assert kind == "open", kind
            load = LoadRun(database_url, api, workers, tokens)
            submitter = Submitter(api, tokens, job_stream_every)
            figures = asyncio.run(load.main(submitter, rate, minutes * 60, ours, reader.pid))
        finally:
            reader.join(30)
            if reader.is_alive():
                reader.kill()
    with out.open("rb") as file:
        user_logs: list[StreamLog] = pickle.load(file)  # noqa: S301 - our own child's file
    figures |= {"clients": clients, "clients_open_at_start": opened, "users": user_count}
    figures |= {"rate": rate, "minutes": minutes} | outcome(load, submitter, user_logs)
    figures["seconds"] = round(time.monotonic() - started, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="submits per second")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--job-stream-every", type=int, default=50)
    args = parser.parse_args()
    with scratch_database("postgresql") as (url, root):
        figures = run(
            url,
            root,
            minutes=args.minutes,
            clients=args.clients,
            rate=args.rate,
            user_count=args.users,
            job_stream_every=args.job_stream_every,
        )
    figures["failures"] = failures(figures)
    print(json.dumps(figures, indent=2))  # noqa: T201
    variant = f"{args.rate:g}-per-s"
    print(save("load", figures, engine="postgresql", variant=variant))  # noqa: T201
    raise SystemExit(1 if figures["failures"] else 0)


if __name__ == "__main__":
    main()
