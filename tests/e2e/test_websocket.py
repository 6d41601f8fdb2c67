"""``GET /v1/ws`` through a real ``foodscan serve``: the same events as SSE, the same cursor,
the same refusals."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from foodscan.auth import mint_token
from foodscan.settings import Settings
from tests.e2e.server import Server
from tests.e2e.sse_client import frames


def submit(server: Server, receipt_jpeg: bytes, headers: dict[str, str] | None = None) -> str:
    files = {"file": ("receipt.jpg", receipt_jpeg, "image/jpeg")}
    response = httpx.post(
        f"{server.url}/v1/jobs", data={"kind": "receipt"}, files=files, headers=headers, timeout=30
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def messages(url: str, headers: dict[str, str] | None = None) -> tuple[list[Any], int]:
    """Every message until the server closes the socket, and its close code."""
    got = []
    async with connect(url, additional_headers=headers or {}, open_timeout=10) as socket:
        with contextlib.suppress(ConnectionClosed):  # the server's close ends the messages
            async with asyncio.timeout(60):
                async for message in socket:
                    got.append(json.loads(message))
        code = socket.close_code
    assert code is not None
    return got, code


def sse_events(server: Server, job_id: str) -> list[dict[str, Any]]:
    with httpx.stream("GET", f"{server.url}/v1/jobs/{job_id}/events", timeout=60) as response:
        return [frame.data for frame in frames(response)]


def test_a_job_over_websocket_is_the_same_as_over_sse(server: Server, receipt_jpeg: bytes) -> None:
    job_id = submit(server, receipt_jpeg)
    ws_url = server.url.replace("http://", "ws://") + f"/v1/ws?job_id={job_id}"

    got, code = asyncio.run(messages(ws_url))

    assert code == 1000  # closed by the server after the terminal event
    assert got[-1]["type"] == "job.succeeded"
    assert got == sse_events(server, job_id)
    resumed, _ = asyncio.run(messages(f"{ws_url}&after={got[1]['id']}"))
    assert resumed == got[2:]


def test_a_websocket_without_a_token_is_refused(server_factory, receipt_jpeg: bytes) -> None:
    secured = server_factory(secret_key="k" * 40)
    secured.start()
    ws_url = secured.url.replace("http://", "ws://") + "/v1/ws"

    got, code = asyncio.run(messages(ws_url))

    assert code == 4401
    assert got == [{"type": "error", "code": "unauthorized", "message": "missing bearer token"}]


async def _until_succeeded(url: str, headers: dict[str, str]) -> list[Any]:
    """Messages of a user socket until its first ``job.succeeded``."""
    got: list[Any] = []
    async with connect(url, additional_headers=headers, open_timeout=10) as socket:
        async with asyncio.timeout(60):
            while not got or got[-1]["type"] != "job.succeeded":
                got.append(json.loads(await socket.recv()))
    return got


def test_a_users_socket_carries_none_of_another_users_events(
    server_factory, receipt_jpeg: bytes
) -> None:
    secret = "k" * 40
    secured = server_factory(secret_key=secret)
    secured.start()
    tokens = {
        user: mint_token(Settings(secret_key=secret), user, "paid") for user in ("alice", "bob")
    }
    auth = {user: {"Authorization": f"Bearer {token}"} for user, token in tokens.items()}
    ws = secured.url.replace("http://", "ws://") + "/v1/ws"
    alices = submit(secured, receipt_jpeg, auth["alice"])  # first in the queue: it runs first
    bobs = submit(secured, receipt_jpeg, auth["bob"])

    bob_saw = asyncio.run(_until_succeeded(f"{ws}?after=0", auth["bob"]))
    refused, code = asyncio.run(messages(f"{ws}?job_id={alices}", auth["bob"]))
    alice_saw, _ = asyncio.run(messages(f"{ws}?job_id={alices}", auth["alice"]))

    assert {m["job_id"] for m in bob_saw} == {bobs}
    assert code == 4404
    assert [(m["type"], m["code"]) for m in refused] == [("error", "not_found")]
    assert {m["job_id"] for m in alice_saw} == {alices}  # the control: alice's job did run
    assert alice_saw[-1]["type"] == "job.succeeded"
