"""Cancelling a job aborts its LLM call: a real app with its embedded worker, a products job whose
model call hangs, a DELETE — and the fake server sees the request's connection close."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import Api
from tests.integration.llm.conftest import MODEL
from tests.llm_server import LlmServer, Reply
from tests.unit.recognition.product_images import product_photo

WAIT_S = 120.0


@pytest.fixture
async def running(tmp_path: Path, sqlite_url: str, llm_server: LlmServer) -> AsyncIterator[Api]:
    """The app and its worker, with the vision-LLM configured to the fake server."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
        worker_concurrency=1,
        cpu_workers=1,
        poll_s=0.2,
        llm_base_url=llm_server.base_url,
        llm_model=MODEL,
        llm_timeout_s=60.0,
    )
    app = create_app(settings, run_worker=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            yield Api(app, c, settings)


async def test_cancelling_the_job_closes_the_llm_request_in_flight(
    running: Api, llm_server: LlmServer, request: pytest.FixtureRequest
) -> None:
    llm_server.default = Reply(content="{}", delay_s=WAIT_S)  # hangs until the client leaves
    buffer = io.BytesIO()
    product_photo(["ARLA", "MJOLK"]).save(buffer, "PNG")
    response = await running.client.post(
        "/v1/jobs",
        data={"kind": "products"},
        files=[("file", ("milk.png", buffer.getvalue(), "image/png"))],
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]

    assert await asyncio.to_thread(llm_server.wait_until, lambda: bool(llm_server.requests), WAIT_S)
    asked = time.monotonic()
    cancel = await running.client.delete(f"/v1/jobs/{job_id}")
    assert cancel.status_code in (200, 202), cancel.text

    (call,) = llm_server.requests
    assert await asyncio.to_thread(
        llm_server.wait_until, lambda: call.disconnected_at is not None, 30.0
    )
    assert call.disconnected_at is not None
    latency = call.disconnected_at - asked
    request.node.user_properties.append(("llm_abort_after_cancel_s", round(latency, 3)))
    assert call.answered_at is None
    assert latency < 10.0  # far below the hang (120 s) and the timeout (60 s)

    async def status() -> str:
        found: str = (await running.client.get(f"/v1/jobs/{job_id}")).json()["status"]
        return found

    async with asyncio.timeout(30):
        while await status() != "cancelled":  # noqa: ASYNC110 - the API is polled, as clients may
            await asyncio.sleep(0.1)
    assert len(llm_server.requests) == 1  # not retried
