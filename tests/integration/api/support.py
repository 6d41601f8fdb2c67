"""Helpers of the API suite: the running-app handle, an SSE frame parser and a raw-ASGI stream.

httpx's ASGITransport hands back a response only once the app finished it, so it serves requests
and streams that end (a per-job stream of a finished job); ``Stream`` reads frames as they are
sent and can pause the reader or disconnect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from foodscan.auth import mint_token
from foodscan.db.tables import jobs
from foodscan.jobs.queue import JobQueue
from foodscan.settings import Settings

WAIT_S = 10.0
SECRET = "an-api-test-signing-key-of-more-than-32-bytes"  # noqa: S105 - a test key
UPLOAD_LIMIT = 300_000
PIXEL_LIMIT = 4_000_000


@dataclass
class Api:
    """A running app, a client for it, and direct reads of what it stored."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def blob_dir(self) -> Path:
        return self.settings.resolved_blob_dir

    def blob_files(self) -> list[Path]:
        if not self.blob_dir.exists():
            return []
        return sorted(p for p in self.blob_dir.rglob("*") if p.is_file())

    async def job_count(self) -> int:
        async with self.app.state.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(jobs)
            return int((await conn.execute(query)).scalar_one())

    async def assert_nothing_stored(self) -> None:
        assert await self.job_count() == 0
        assert self.blob_files() == []

    def queue(self, worker_id: str = "test-worker") -> JobQueue:
        """A worker's queue on the app's own engine and bus, so its events reach the app's hub."""
        state = self.app.state
        return JobQueue(
            state.engine, state.bus, self.settings, worker_id=worker_id, clock=state.store.clock
        )

    def auth(self, user: str, plan: str = "free") -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.settings, user, plan)}"}

    async def submit(
        self,
        data: bytes,
        *,
        kind: str = "receipt",
        headers: dict[str, str] | None = None,
        name: str = "receipt.jpg",
        **fields: str,
    ) -> httpx.Response:
        return await self.client.post(
            "/v1/jobs",
            data={"kind": kind, **fields},
            files={"file": (name, data, "image/jpeg")},
            headers=headers or {},
        )


# ---- SSE ----------------------------------------------------------------------------------------


@dataclass
class Frame:
    """One parsed SSE block."""

    id: int | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def event(self) -> dict[str, Any]:
        assert self.data is not None
        value: dict[str, Any] = json.loads(self.data)
        return value


def parse_frames(body: bytes) -> list[Frame]:
    """Split an event-stream body into its blocks (each ends with a blank line)."""
    text = body.decode()
    assert text.endswith("\n\n") or not text, f"unterminated frame in {text!r}"
    frames = []
    for block in text.split("\n\n")[:-1]:
        frame = Frame()
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                frame.comments.append(value)
            elif name == "id":
                frame.id = int(value)
            elif name == "data":
                frame.data = value if frame.data is None else f"{frame.data}\n{value}"
            elif name == "retry":
                frame.retry = int(value)
        frames.append(frame)
    return frames


def event_types(frames: list[Frame]) -> list[str]:
    return [f.event["type"] for f in frames if f.data is not None]


class Stream:
    """One GET to an SSE endpoint driven at the ASGI level: each body chunk arrives as sent."""

    def __init__(self, app: FastAPI, url: str, headers: dict[str, str]) -> None:
        self.app = app
        parts = urlsplit(url)
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.gate = asyncio.Event()
        self.gate.set()
        self._started = asyncio.Event()
        self._requested = False
        self._disconnected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _receive(self) -> MutableMapping[str, Any]:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._disconnected.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            self._started.set()
        elif message["type"] == "http.response.body":
            await self.gate.wait()  # a paused reader: the app blocks here, like on a full socket
            if message.get("body"):
                self.chunks.put_nowait(message["body"])
            if not message.get("more_body", False):
                self.chunks.put_nowait(None)

    async def start(self) -> Stream:
        self._task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        await asyncio.wait_for(self._started.wait(), WAIT_S)
        return self

    async def next(self) -> bytes | None:
        """The next chunk, or None once the response ended."""
        return await asyncio.wait_for(self.chunks.get(), WAIT_S)

    async def frames(self, count: int) -> list[Frame]:
        """The next ``count`` frames (each chunk the app sends is whole frames)."""
        found: list[Frame] = []
        while len(found) < count:
            chunk = await self.next()
            assert chunk is not None, f"the stream ended after {found}"
            found.extend(parse_frames(chunk))
        assert len(found) == count
        return found

    async def rest(self) -> list[Frame]:
        """Every frame until the app ends the response."""
        found: list[Frame] = []
        while (chunk := await self.next()) is not None:
            found.extend(parse_frames(chunk))
        await self.finished()
        return found

    async def finished(self) -> None:
        assert self._task is not None
        await asyncio.wait_for(self._task, WAIT_S)

    async def disconnect(self) -> None:
        self._disconnected.set()
        self.gate.set()
        await self.finished()
