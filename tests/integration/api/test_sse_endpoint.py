"""The SSE streams' own ASGI endpoint (``api/sse_endpoint.py``) through a real server: uvicorn
on a loopback port in the test's event loop, httpx (or a plain socket) as the client, on both
engines. The head, the replay and live frames, the end after a terminal event, the resume
cursor, heartbeats, refusals as problem documents (other methods left to the framework),
tickets, and clients that leave.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from foodscan.auth import mint_token
from foodscan.events import log
from foodscan.events.hub import Hub
from foodscan.jobs.queue import JobQueue
from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import SECRET, WAIT_S, Frame, event_types, parse_frames

pytestmark = pytest.mark.timeout(90)


@dataclass
class Served:
    """The app under uvicorn on a loopback port, and an httpx client of it."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    registry: CollectorRegistry
    port: int

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.settings, user, 'paid')}"}

    def queue(self) -> JobQueue:
        state = self.app.state
        return JobQueue(state.engine, state.bus, self.settings, worker_id="test-worker")

    def open_streams(self) -> float:
        value = self.registry.get_sample_value("foodscan_sse_connections", {"stream": "user"})
        job = self.registry.get_sample_value("foodscan_sse_connections", {"stream": "job"})
        return (value or 0) + (job or 0)

    async def submit(self, image: bytes, user: str = "alice") -> str:
        response = await self.client.post(
            "/v1/jobs",
            data={"kind": "receipt"},
            files={"file": ("receipt.jpg", image, "image/jpeg")},
            headers=self.auth(user) if self.settings.secret_key else {},
        )
        assert response.status_code == 202, response.text
        job_id: str = response.json()["job_id"]
        return job_id


@pytest.fixture
def serve(tmp_path: Path, database_url: str) -> Callable[..., Any]:
    """``async with serve(**settings) as served``: the app served on 127.0.0.1 (a secret key
    unless ``secret_key=None``); the listening socket exists before uvicorn starts, so the
    first request waits in its backlog rather than the test polling for the start."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Served]:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "secret_key": SECRET,
            "sse_heartbeat_s": 30.0,
            "sse_retry_ms": 1500,
        }
        settings = Settings(**(values | overrides))
        registry = CollectorRegistry()
        app = create_app(settings, run_worker=False, registry=registry)
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        listening.listen(128)
        port = listening.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=WAIT_S
            ) as client:
                yield Served(app, client, settings, registry, port)
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, WAIT_S * 2)
            listening.close()

    return make


class Reader:
    """The frames of one streaming response as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.chunks = response.aiter_raw()
        self.buffer = b""
        self.raw: list[bytes] = []  # each frame's bytes, as sent

    async def frames(self, count: int) -> list[Frame]:
        """The next ``count`` frames (an event, ``retry:`` or a heartbeat comment each)."""
        while self.buffer.count(b"\n\n") < count:
            self.buffer += await asyncio.wait_for(anext(self.chunks), WAIT_S)
        return self._take(count)

    async def rest(self) -> list[Frame]:
        """Every frame until the server ends the response."""
        async with asyncio.timeout(WAIT_S):
            async for chunk in self.chunks:
                self.buffer += chunk
        assert self.buffer.endswith(b"\n\n") or not self.buffer
        return self._take(self.buffer.count(b"\n\n"))

    def _take(self, count: int) -> list[Frame]:
        blocks = self.buffer.split(b"\n\n")
        taken, self.buffer = blocks[:count], b"\n\n".join(blocks[count:])
        self.raw += [block + b"\n\n" for block in taken]
        return parse_frames(b"".join(block + b"\n\n" for block in taken))


@asynccontextmanager
async def stream(
    served: Served, url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[Reader]:
    async with served.client.stream("GET", url, headers=headers or {}) as response:
        assert response.status_code == 200, await response.aread()
        yield Reader(response)


async def until(condition: Callable[[], bool]) -> None:
    """Wait for what the server does after a client left (nothing there to await from here)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def run_to_success(served: Served) -> None:
    queue = served.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.progress(lease, "ocr", 40, "Reading text")
    await queue.succeed(lease, {"lines": []})


async def test_job_stream_replays_follows_and_ends_after_the_terminal_event(
    serve, receipt_image
) -> None:
    async with serve() as served:
        job_id = await served.submit(receipt_image())
        url = f"/v1/jobs/{job_id}/events"
        async with stream(served, url, served.auth("alice")) as reader:
            headers = reader.response.headers
            head = await reader.frames(2)
            assert served.hub.subscriber_count == 1
            assert served.open_streams() == 1
            await run_to_success(served)
            rest = await reader.rest()
        await until(lambda: served.hub.subscriber_count == 0)
        assert served.open_streams() == 0
        async with served.app.state.engine.connect() as conn:
            records = await log.read_job(conn, job_id)

    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-cache, no-transform"
    assert headers["x-accel-buffering"] == "no"
    assert headers["transfer-encoding"] == "chunked"
    assert head[0] == Frame(retry=1500)
    assert event_types(head + rest) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.succeeded",
    ]
    # The frames on the wire are the bytes the log encoded, each event once, in order.
    assert reader.raw[1:] == [r.frame for r in records]


async def test_user_stream_resumes_after_last_event_id_each_event_once(
    serve, receipt_image
) -> None:
    async with serve() as served:
        first = await served.submit(receipt_image())
        await run_to_success(served)
        async with served.app.state.engine.connect() as conn:
            logged = [r.id for r in await log.read_user(conn, "alice")]
        cursor = {"Last-Event-ID": str(logged[1])} | served.auth("alice")
        async with stream(served, "/v1/events", cursor) as reader:
            replayed = await reader.frames(1 + len(logged) - 2)
            second = await served.submit(receipt_image())
            await served.submit(receipt_image(), user="bob")
            live = await reader.frames(1)

    assert [f.id for f in replayed[1:]] == logged[2:]
    assert {f.event["job_id"] for f in replayed[1:]} == {first}
    assert [(f.event["type"], f.event["job_id"]) for f in live] == [("job.queued", second)]
    assert live[0].id is not None
    assert live[0].id > logged[-1]


async def test_a_quiet_stream_gets_heartbeats_and_then_its_events(serve, receipt_image) -> None:
    async with (
        serve(sse_heartbeat_s=0.05) as served,
        stream(served, "/v1/events", served.auth("alice")) as reader,
    ):
        (retry,) = await reader.frames(1)
        beats = await reader.frames(3)
        job_id = await served.submit(receipt_image())
        events: list[Frame] = []
        while not events:  # heartbeats may come first
            events = [frame for frame in await reader.frames(1) if frame.data is not None]

    assert retry == Frame(retry=1500)
    assert beats == [Frame(comments=["heartbeat"])] * 3
    assert [(f.event["type"], f.event["job_id"]) for f in events] == [("job.queued", job_id)]


async def test_refusals_are_problem_documents(serve, receipt_image) -> None:
    async with serve() as served:
        job_id = await served.submit(receipt_image())
        anonymous = await served.client.get("/v1/events")
        bad_cursor = await served.client.get(
            "/v1/events", params={"after": "abc"}, headers=served.auth("alice")
        )
        bad_header = await served.client.get(
            f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "-1"} | served.auth("alice")
        )
        foreign = await served.client.get(f"/v1/jobs/{job_id}/events", headers=served.auth("bob"))
        posted = await served.client.post("/v1/events", headers=served.auth("alice"))
        head = await served.client.head("/v1/events", headers=served.auth("alice"))

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["code"] == "unauthorized"
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_input"
    assert [e["loc"] for e in bad_cursor.json()["errors"]] == [["query", "after"]]
    assert bad_header.status_code == 422
    assert "Last-Event-ID" in bad_header.json()["detail"]
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "not_found"
    assert posted.status_code == 405  # not a stream: the framework's answer
    assert posted.json()["code"] == "method_not_allowed"
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"


async def test_keyless_server_refuses_a_foreign_host_before_any_stream(serve) -> None:
    async with serve(secret_key=None) as served:
        foreign = await served.client.get("/v1/events", headers={"Host": "attacker.example"})
        own = await served.client.get("/v1/events", params={"after": "x"})

    assert foreign.status_code == 421
    assert foreign.json()["code"] == "host_not_allowed"
    assert own.status_code == 422  # past the Host check, refused for its cursor
    assert served.hub.opened == 0


async def test_a_ticket_opens_one_stream_once(serve, receipt_image) -> None:
    async with serve() as served:
        job_id = await served.submit(receipt_image())

        async def ticket() -> str:
            made = await served.client.post(
                "/v1/events/tickets", json={"job_id": job_id}, headers=served.auth("alice")
            )
            assert made.status_code == 201, made.text
            value: str = made.json()["ticket"]
            return value

        one_job = await served.client.get("/v1/events", params={"ticket": await ticket()})
        used = await ticket()
        async with stream(served, f"/v1/jobs/{job_id}/events?ticket={used}") as reader:
            frames = await reader.frames(2)
        again = await served.client.get(f"/v1/jobs/{job_id}/events", params={"ticket": used})

    assert one_job.status_code == 401  # a one-job ticket does not open the user's stream
    assert event_types(frames) == ["job.queued"]
    assert again.status_code == 401
    assert again.json()["code"] == "unauthorized"


async def test_streams_of_clients_that_leave_are_forgotten(serve) -> None:
    async with serve() as served:
        request = (
            f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
            f"Authorization: {served.auth('alice')['Authorization']}\r\n\r\n"
        ).encode()
        sockets = []
        for _ in range(20):
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"retry: 1500\n\n"), WAIT_S)
            assert head.startswith(b"HTTP/1.1 200 ")
            sockets.append(writer)
        assert served.hub.subscriber_count == 20
        assert served.open_streams() == 20
        for writer in sockets:
            writer.close()
        await until(lambda: served.hub.subscriber_count == 0)
        assert served.open_streams() == 0
        assert served.hub.closed == 20
        assert len(served.app.state.sse_beats) == 0
