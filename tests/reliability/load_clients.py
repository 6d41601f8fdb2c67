"""The load run's SSE clients: many event streams read on raw asyncio sockets, cheaply.

A client sends one ``GET`` (bearer token, ``Last-Event-ID`` when it resumes), reads the chunked
body and keeps, per frame, only its ``id`` and the wall-clock time it arrived (the delivery
latency is worked out afterwards from the event's ``created_at`` in the log). No HTTP library
and no JSON in the loop: a thousand of them fit in one process on a small machine.

``client_process`` runs the user streams in a process of their own, so their reading and the
submits (in the parent) do not slow each other; it talks to the parent over a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import re
import resource
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

RETRY_S = 0.05  # the deployment's ``retry:``
_ID = re.compile(rb"^id: (\d+)$", re.MULTILINE)
CONNECT_BATCH = 50  # streams opened at once, so the server's accept backlog never overflows


@dataclass
class StreamLog:
    """What one client received: ids and arrival times, its reconnects and refusals."""

    path: str
    token: str
    user: str
    job_id: str | None = None
    ids: array[int] = field(default_factory=lambda: array("q"))
    at: array[float] = field(default_factory=lambda: array("d"))
    connects: int = 0
    refused: Counter[int] = field(default_factory=Counter)
    ended: bool = False  # the server ended the stream (a per-job stream after its last event)
    open: bool = False  # headers received, now reading


class RawHttp:
    """Requests on kept-alive raw sockets: the request bytes are the caller's, the answer is
    read by its ``Content-Length``. For the submits, so the load generator stays cheap."""

    def __init__(self, host: str, port: int, connections: int = 256) -> None:
        self.host, self.port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        # At most this many requests in flight; the rest wait their turn (and it counts).
        self._slots = asyncio.Semaphore(connections)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request; (status, body). A broken connection raises (and is dropped)."""
        async with self._slots:
            return await self._send(request)

    async def _send(self, request: bytes) -> tuple[int, bytes]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not (reader.at_eof() or writer.is_closing()):
                try:
                    return await self._exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError):
                    # The server closed it while idle (keep-alive timeout) before reading the
                    # request, as httpx retries: once more on a fresh connection. The submits
                    # carry an Idempotency-Key, so even a request it did read is not doubled.
                    break
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(reader, writer, request)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> tuple[int, bytes]:
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if b"connection: close" in head.lower():
            writer.close()
        else:
            self._idle.append((reader, writer))
        return status, body

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def multipart(
    fields: dict[str, str], name: str, filename: str, media_type: str, data: bytes
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type: text fields and one file."""
    boundary = "foodscan-load-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
        f"\r\nContent-Type: {media_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def raise_file_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted`` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def follow(host: str, port: int, log: StreamLog) -> None:
    """Read the stream until the server ends it or the task is cancelled; resume on a break."""
    while not log.ended:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
            await _read_once(host, port, log)
        log.open = False
        if not log.ended:
            await asyncio.sleep(RETRY_S)


async def _read_once(host: str, port: int, log: StreamLog) -> None:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    try:
        log.connects += 1
        request = (
            f"GET {log.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {log.token}\r\nAccept: text/event-stream\r\n"
        )
        if log.ids:
            request += f"Last-Event-ID: {log.ids[-1]}\r\n"
        writer.write((request + "\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            log.refused[status] += 1
            return
        if b"transfer-encoding: chunked" not in head.lower():
            raise ValueError("an event stream that is not chunked")
        log.open = True
        ids, at = log.ids, log.at
        while True:
            size = int((await reader.readline()).split(b";", 1)[0], 16)
            if size == 0:
                log.ended = True
                return
            chunk = await reader.readexactly(size + 2)
            now = time.time()
            for match in _ID.finditer(chunk):
                ids.append(int(match.group(1)))
                at.append(now)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def open_all(host: str, port: int, logs: list[StreamLog]) -> list[asyncio.Task[None]]:
    """Start a follower per log, ``CONNECT_BATCH`` at a time, each batch once it is open."""
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, len(logs), CONNECT_BATCH):
        batch = logs[start : start + CONNECT_BATCH]
        tasks += [asyncio.create_task(follow(host, port, log)) for log in batch]
        for _ in range(1500):  # 30 s at most per batch
            if all(log.open for log in batch):
                break
            await asyncio.sleep(0.02)
    return tasks


async def caught_up(logs: list[StreamLog], targets: dict[str, int], within: float) -> bool:
    """Wait until every client received its target id (by user, or by job for job streams)."""
    for _ in range(max(1, int(within / 0.1))):
        if all(
            log.ended or (log.ids[-1] if log.ids else 0) >= targets.get(key_of(log), 0)
            for log in logs
        ):
            return True
        await asyncio.sleep(0.1)
    return False


def key_of(log: StreamLog) -> str:
    return log.job_id if log.job_id is not None else log.user


async def close_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def client_process(
    host: str, port: int, logs: list[StreamLog], pipe: Connection, out: Path
) -> None:
    """The user streams, in a process of their own. Protocol on ``pipe``: this side sends
    ``"open"`` once every stream is open; the parent sends ``(targets, timeout)`` when the log
    is final; this side waits for the clients to catch up, pickles the logs to ``out`` and
    sends whether they caught up."""
    raise_file_limit(len(logs) + 256)
    asyncio.run(_client_main(host, port, logs, pipe, out))


async def _client_main(
    host: str, port: int, logs: list[StreamLog], pipe: Connection, out: Path
) -> None:
    tasks = await open_all(host, port, logs)
    pipe.send(("open", sum(log.open for log in logs)))
    loop = asyncio.get_running_loop()
    targets, timeout = await loop.run_in_executor(None, pipe.recv)
    done = await caught_up(logs, targets, timeout)
    await close_all(tasks)
    with out.open("wb") as file:
        pickle.dump(logs, file)
    pipe.send(("done", done))
