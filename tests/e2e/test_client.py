"""``foodscan.client`` against a real ``foodscan serve``: submit, wait, list, cancel, retry, errors,
and event streams that survive a connection cut mid-frame and a ``kill -9`` of the server.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from foodscan.client import AsyncClient, Client, ClientError, Event
from foodscan.client.stream import MAX_DELAY_S, Backoff
from foodscan.jobs.states import Status
from tests.e2e.server import Server

pytestmark = pytest.mark.slow
TERMINAL = {"job.succeeded", "job.failed", "job.cancelled"}
MARK = b"\nid: "  # where an SSE frame starts in the byte stream (the server writes "id: " first)


class CuttingProxy:
    """A TCP proxy to the server that cuts its first ``cuts`` event streams mid-frame.

    A cut connection carries ``after_events`` whole events and the first bytes of the next one,
    then both sides are closed: what a client sees when a network drops mid-stream.
    """

    def __init__(self, upstream_port: int, *, after_events: int, cuts: int) -> None:
        self.upstream_port = upstream_port
        self.after_events = after_events
        self.cuts_left = cuts
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last_event_ids(self) -> list[int]:
        found = []
        for request in self.requests:
            for line in request.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"last-event-id":
                    found.append(int(value))
        return found

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _hang_up(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        while data := _recv(client):
            self.requests.append(data)
            if not _send(upstream, data):
                break
        _hang_up(upstream)

    def _down(self, upstream: socket.socket, client: socket.socket) -> None:
        seen, sent = b"", 0
        while data := _recv(upstream):
            seen += data
            cut = self._cut_at(seen)
            if cut is not None:
                _send(client, seen[sent:cut])
                break
            if not _send(client, data):
                break
            sent = len(seen)
        for sock in (client, upstream):
            _hang_up(sock)

    def _cut_at(self, seen: bytes) -> int | None:
        """A few bytes into frame ``after_events + 1``, once it is here, while cuts are left."""
        if seen.count(MARK) <= self.after_events:
            return None
        with self._lock:
            if self.cuts_left == 0:
                return None
            self.cuts_left -= 1
        start = -1
        for _ in range(self.after_events + 1):
            start = seen.index(MARK, start + 1)
        return start + len(MARK) + 1


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _hang_up(sock: socket.socket) -> None:
    """Close ``sock`` now: ``shutdown`` also wakes the thread blocked reading it."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def proxy_factory(module_server: Server) -> Iterator[Callable[..., CuttingProxy]]:
    proxies: list[CuttingProxy] = []

    def make(*, after_events: int, cuts: int) -> CuttingProxy:
        proxies.append(CuttingProxy(module_server.port, after_events=after_events, cuts=cuts))
        return proxies[-1]

    yield make
    for proxy in proxies:
        proxy.close()


def fresh() -> dict[str, bool]:
    """Options that make the server queue a new job even for bytes it has seen before."""
    return {"dedupe": False}


def assert_once_each_and_complete(events: list[Event], everything: list[Event]) -> None:
    ids = [e.id for e in events]
    assert ids == sorted(set(ids)), "each event once, in order"
    assert ids == [e.id for e in everything], "no event missing"
    assert events[0].type == "job.queued"
    assert events[-1].type == "job.succeeded"
    assert not TERMINAL & {e.type for e in events[:-1]}


def test_submit_wait_get_and_list(module_server: Server, receipt_jpeg: bytes) -> None:
    with Client(module_server.url) as client:
        submitted = client.submit([("receipt.jpg", receipt_jpeg)], options=fresh())
        assert submitted.status == Status.QUEUED
        assert submitted.links.events == f"/v1/jobs/{submitted.job_id}/events"

        job = client.wait(submitted.job_id, timeout=60)

        assert job.status == Status.SUCCEEDED
        assert job.result is not None
        assert job.result["total"] == "6.84"
        assert client.get(submitted.job_id) == job
        everything = list(client.events(submitted.job_id))
        assert list(client.events(submitted.job_id, after=everything[1].id)) == everything[2:]
        assert submitted.job_id in {j.id for j in client.list(status=Status.SUCCEEDED)}
        assert len(list(client.list(limit=1))) == 1


async def test_async_submit_from_a_path_with_an_idempotency_key(
    module_server: Server, receipt_jpeg: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "shop.jpg"
    path.write_bytes(receipt_jpeg)
    key = str(uuid.uuid4())
    async with AsyncClient(module_server.url) as client:
        first = await client.submit(path, metadata={"order": 7}, idempotency_key=key)
        again = await client.submit(path, metadata={"order": 7}, idempotency_key=key)
        job = await client.wait(first.job_id, timeout=60)

    assert again.job_id == first.job_id
    assert job.status == Status.SUCCEEDED
    assert job.metadata == {"order": 7}
    assert [f.name for f in job.inputs] == ["shop.jpg"]


async def test_cancel_then_retry(module_server: Server, slow_receipt_pdf: bytes) -> None:
    async with AsyncClient(module_server.url) as client:
        # Several scanned pages: the cancel arrives while the job is queued or running, never after.
        submitted = await client.submit(("scan.pdf", slow_receipt_pdf), options=fresh())
        await client.cancel(submitted.job_id)
        assert (await client.wait(submitted.job_id, timeout=30)).status == Status.CANCELLED

        again = await client.retry(submitted.job_id)
        assert again.status == Status.QUEUED
        assert (await client.wait(submitted.job_id, timeout=60)).status == Status.SUCCEEDED


def test_job_events_resume_after_a_cut_mid_frame_each_event_once(
    module_server: Server, proxy_factory: Callable[..., CuttingProxy], receipt_jpeg: bytes
) -> None:
    proxy = proxy_factory(after_events=2, cuts=1)
    with Client(module_server.url) as direct, Client(proxy.url) as client:
        job_id = direct.submit(receipt_jpeg, options=fresh()).job_id
        events = list(client.events(job_id))
        everything = list(direct.events(job_id))

    assert_once_each_and_complete(events, everything)
    assert proxy.cuts_left == 0
    assert proxy.last_event_ids() == [events[1].id]  # the reconnect resumed after event 2


async def test_user_events_resume_across_repeated_cuts(
    module_server: Server, proxy_factory: Callable[..., CuttingProxy], receipt_jpeg: bytes
) -> None:
    proxy = proxy_factory(after_events=1, cuts=3)
    async with AsyncClient(module_server.url) as direct, AsyncClient(proxy.url) as client:
        job_id = (await direct.submit(receipt_jpeg, options=fresh())).job_id
        events: list[Event] = []
        async for event in client.events(after=0):  # every job of the user from the first
            events.append(event)
            if event.job_id == job_id and event.terminal:
                break
        everything = [e async for e in direct.events(job_id)]

    mine = [e for e in events if e.job_id == job_id]
    assert_once_each_and_complete(mine, everything)
    assert len({e.id for e in events}) == len(events)
    assert proxy.cuts_left == 0
    assert len(proxy.last_event_ids()) == 4  # after=0 on the first connection, then 3 resumes


async def test_job_events_survive_kill_9_and_restart(
    server_factory: Callable[..., Server], receipt_jpeg: bytes
) -> None:
    server = server_factory(sse_retry_ms="50")
    server.start()
    async with AsyncClient(server.url, reconnect_timeout=60) as client:
        job_id = (await client.submit(receipt_jpeg)).job_id
        events: list[Event] = []
        killed = False
        async for event in client.events(job_id):
            events.append(event)
            if event.step == "ocr" and not killed:
                server.kill()  # mid-stream, mid-job: the next read fails, the client reconnects
                server.start()
                killed = True
        everything = [e async for e in client.events(job_id)]

    assert_once_each_and_complete(events, everything)
    types = [e.type for e in events]
    assert "job.retrying" in types
    assert types.count("job.started") == 2


async def test_wait_past_its_timeout_says_which_job_and_how_long(
    module_server: Server, slow_receipt_pdf: bytes
) -> None:
    async with AsyncClient(module_server.url) as client:
        submitted = await client.submit(("scan.pdf", slow_receipt_pdf), options=fresh())
        with pytest.raises(TimeoutError) as late:
            await client.wait(submitted.job_id, timeout=0.05)
        await client.cancel(submitted.job_id)

    assert str(late.value) == f"job {submitted.job_id} did not end within 0.05 s"


def test_refusals_raise_client_error_with_code_status_and_detail(module_server: Server) -> None:
    with Client(module_server.url) as client:
        with pytest.raises(ClientError) as unsupported:
            client.submit(("notes.txt", b"just some text"))
        with pytest.raises(ClientError) as missing:
            client.get("no-such-job")

    assert (unsupported.value.code, unsupported.value.status) == ("unsupported_type", 415)
    assert "notes.txt" in unsupported.value.detail
    assert (missing.value.code, missing.value.status) == ("not_found", 404)


async def test_async_refusals_and_an_unreachable_server(module_server: Server) -> None:
    async with AsyncClient(module_server.url) as client:
        with pytest.raises(ClientError) as missing:
            [e async for e in client.events("no-such-job")]  # a 404 is not retried
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with AsyncClient(f"http://127.0.0.1:{closed_port}") as nowhere:
        with pytest.raises(ClientError) as unreachable:
            await nowhere.ready()

    assert (missing.value.code, missing.value.status) == ("not_found", 404)
    assert (unreachable.value.code, unreachable.value.status) == ("unreachable", None)


def test_importing_the_client_builds_no_app_and_loads_no_ocr() -> None:
    heavy = ["fastapi", "uvicorn", "foodscan.api.app", "foodscan.pipelines", "rapidocr"]
    code = f"import sys, foodscan.client; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_reconnect_delay_is_the_servers_retry_doubled_per_failure_and_capped() -> None:
    backoff = Backoff(retry_s=0.05)
    delays = [backoff.delay() for _ in range(12)]

    assert 0.0375 <= delays[0] <= 0.0625  # the server's retry:, with ±25 % jitter
    assert 0.075 <= delays[1] <= 0.125
    assert max(delays) <= MAX_DELAY_S * 1.25
    backoff.attempts = 0  # an event arrived: the next reconnect is prompt again
    assert backoff.delay() <= 0.0625
