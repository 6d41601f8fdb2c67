"""The edge of a real ``foodscan serve`` (issue 15): what its socket and uvicorn do, over raw TCP.

- A port in use: the server exits with a clear error before its lifespan runs, so its worker
  never starts and a queued job stays queued with no attempt spent (item 17).
- A request head that stalls gets ``408`` and a closed connection after
  ``FOODSCAN_HEADER_TIMEOUT_S``; a body that stalls, a closed connection after
  ``FOODSCAN_BODY_TIMEOUT_S`` (item 8). Each wait is bounded by a socket timeout far longer than
  the deadline; nothing is timed.
- Over real HTTP: a foreign Host is 421, a cross-site submit 403 and a cross-site WebSocket
  closes with 4403 (items 1-3; the browser's view is ``test_web_security.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.server import Server

pytestmark = pytest.mark.slow
WAIT_S = 30.0  # far past every deadline below: a server that never closes fails, not hangs
DEADLINES = {"header_timeout_s": "1", "body_timeout_s": "1"}


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(WAIT_S)
    got = b""
    while chunk := sock.recv(65536):
        got += chunk
    return got


def test_a_server_whose_port_is_taken_starts_nothing(
    server_factory: Callable[..., Server], receipt_jpeg: bytes
) -> None:
    idle = server_factory("serve", "--no-worker")
    idle.ready_path = "/healthz"
    idle.start()
    files = {"file": ("receipt.jpg", receipt_jpeg, "image/jpeg")}
    job_id = httpx.post(f"{idle.url}/v1/jobs", data={"kind": "receipt"}, files=files).json()[
        "job_id"
    ]
    idle.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        blocked = server_factory()  # with its worker
        blocked.port = taken.getsockname()[1]

        with pytest.raises(RuntimeError, match="exited early"):
            blocked.start()

    assert blocked.process is not None
    assert blocked.process.returncode == 2
    assert "cannot listen on 127.0.0.1" in blocked.log()
    assert "foodscan ready" not in blocked.log()  # the lifespan (and its worker) never ran
    idle.start()
    job = httpx.get(f"{idle.url}/v1/jobs/{job_id}").json()
    assert (job["status"], job["attempt"]) == ("queued", 0)


def test_a_stalled_request_head_is_answered_408_and_closed(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory(**DEADLINES)
    server.start()

    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        answer = _until_closed(sock)
    with socket.create_connection(("127.0.0.1", server.port)) as silent:
        nothing_sent = _until_closed(silent)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["code"] == "request_timeout"
    assert nothing_sent.startswith(b"HTTP/1.1 408")
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_a_stalled_body_is_closed(server_factory: Callable[..., Server]) -> None:
    server = server_factory(**DEADLINES)
    server.start()
    head = (
        b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n"
    )

    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + b"--x\r\n")  # then nothing more
        answer = _until_closed(sock)

    assert not answer.startswith(b"HTTP/1.1 2")
    jobs = httpx.get(f"{server.url}/v1/jobs").json()["items"]
    assert jobs == []


def test_foreign_hosts_and_cross_site_requests_over_real_http(
    server: Server, receipt_jpeg: bytes
) -> None:
    files = {"file": ("receipt.jpg", receipt_jpeg, "image/jpeg")}
    rebound = httpx.get(f"{server.url}/v1/jobs", headers={"Host": f"evil.test:{server.port}"})
    forged = httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "receipt"},
        files=files,
        headers={"Origin": "http://evil.test"},
    )
    own = httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "receipt"},
        files=files,
        headers={"Origin": server.url},
    )

    async def socket_from(origin: str) -> tuple[list[str], int | None]:
        ws_url = server.url.replace("http://", "ws://") + "/v1/ws"
        async with connect(ws_url, origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]
            messages: list[str] = []
            with contextlib.suppress(ConnectionClosed):  # the refusal's close ends the messages
                async for message in ws:
                    messages.append(str(message))
            return messages, ws.close_code

    messages, code = asyncio.run(socket_from("http://evil.test"))

    assert (rebound.status_code, rebound.json()["code"]) == (421, "host_not_allowed")
    assert (forged.status_code, forged.json()["code"]) == (403, "cross_site_request")
    assert own.status_code == 202
    assert code == 4403
    assert [json.loads(m)["code"] for m in messages] == ["cross_site_request"]
