"""The serving process's collector schedule with real streams (uvicorn, loopback sockets): the
streams it froze are released once they close, and ``create_app(collector=True)`` runs it.
"""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from foodscan.auth import mint_token
from foodscan.collector import CollectorSchedule, Tick
from foodscan.events.hub import Hub
from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import SECRET, WAIT_S

STREAMS = 300


class Served:
    """The app under uvicorn in a thread of its own (its own event loop), on a loopback port."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="collected-api", daemon=True)

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    def open_stream(self, token: str) -> socket.socket:
        """``GET /v1/events``, its response head read."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=WAIT_S)
        sock.sendall(
            f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        head = b""
        while b"retry:" not in head:
            head += sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 200 "), head
        return sock


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)  # polling another thread's loop: there is no event to await here


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    settings = Settings(data_dir=tmp_path / "data", secret_key=SECRET)
    running = Served(create_app(settings, run_worker=False, collector=request.param))
    running.thread.start()
    try:
        _until(lambda: running.server.started)
        yield running
    finally:
        running.server.should_exit = True
        running.thread.join(WAIT_S)
        gc.unfreeze()  # leave this test process's collector as it found it


def _tracked() -> int:
    return len(gc.get_objects()) + gc.get_freeze_count()


@pytest.mark.parametrize("served", [False], indirect=True)
def test_streams_frozen_while_open_are_released_when_they_close(served: Served) -> None:
    token = mint_token(Settings(secret_key=SECRET), "user1", "paid")
    hub = served.hub
    schedule = CollectorSchedule(
        opened=lambda: hub.opened, closed=lambda: hub.closed, min_closed=STREAMS
    )
    served.open_stream(token).close()  # the first stream's one-off allocations
    _until(lambda: hub.closed == 1)
    assert schedule.tick() is Tick.FREEZE
    before = _tracked()

    streams = [served.open_stream(token) for _ in range(STREAMS)]
    _until(lambda: hub.opened - hub.closed == STREAMS)
    assert schedule.tick() is Tick.FREEZE
    assert gc.get_freeze_count() - before > 40 * STREAMS  # the open streams are frozen

    for stream in streams:
        stream.close()
    del streams, stream  # the test's own sockets are tracked objects too
    _until(lambda: hub.opened == hub.closed)
    assert schedule.tick() is Tick.SWEEP
    # Frozen or not, a closed stream's objects go (an open one keeps about 60).
    assert _tracked() - before < 10 * STREAMS


@pytest.mark.parametrize("served", [True], indirect=True)
def test_serve_runs_the_schedule(served: Served) -> None:
    gc.unfreeze()
    _until(lambda: gc.get_freeze_count() > 0)
