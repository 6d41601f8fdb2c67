"""End-to-end fixtures: ``foodscan serve`` on a free port, and receipts to send it."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.server import RECEIPT_LINES, Server, render_receipt


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Build (not start) servers on a data dir of this test; all are stopped at teardown."""
    servers: list[Server] = []

    def make(*args: str, **settings: str) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
        env |= {
            "FOODSCAN_DATA_DIR": str(tmp_path / "data"),
            "FOODSCAN_LEASE_S": "2",
            "FOODSCAN_HEARTBEAT_S": "0.5",
            "FOODSCAN_POLL_S": "0.5",
        }
        env |= {f"FOODSCAN_{k.upper()}": v for k, v in settings.items()}
        server = Server(data_dir=tmp_path / "data", env=env, args=args or ("serve",))
        servers.append(server)
        return server

    yield make
    for server in servers:
        if server.process is not None:
            server.stop()


@pytest.fixture
def server(server_factory: Callable[..., Server]) -> Server:
    started = server_factory()
    started.start()
    return started


@pytest.fixture
def receipt_jpeg() -> bytes:
    buffer = io.BytesIO()
    render_receipt(RECEIPT_LINES).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture
def slow_receipt_pdf() -> bytes:
    """A scanned (image-only) PDF of several pages: OCR takes seconds, long enough to kill it."""
    pages = [render_receipt(RECEIPT_LINES, scale=2) for _ in range(4)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=200)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a whole test module (tests that only look at their own jobs).

    It announces a 50 ms SSE ``retry:``, so clients that lost a stream reconnect at once.
    """
    data_dir = tmp_path_factory.mktemp("module-server") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    env |= {
        "FOODSCAN_DATA_DIR": str(data_dir),
        "FOODSCAN_LEASE_S": "2",
        "FOODSCAN_HEARTBEAT_S": "0.5",
        "FOODSCAN_POLL_S": "0.5",
        "FOODSCAN_SSE_RETRY_MS": "50",
    }
    server = Server(data_dir=data_dir, env=env)
    server.start()
    yield server
    server.stop()
