"""GET /metrics on both engines: who may scrape, queue depth from the database, and the counters a
real job moves through an embedded app (submit, worker steps, outcome, retry, SSE, upload bytes).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from foodscan.errors import TransientError, UnreadableFile
from foodscan.pipelines import runnable
from foodscan.pipelines.base import Context, Pipeline, Step, no_state
from foodscan.serve import create_app
from foodscan.settings import KindPolicy, Settings
from tests.integration.api.conftest import ApiFactory, StreamOpener
from tests.integration.api.support import Api
from tests.integration.api.test_api_submit import assert_problem


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (0 if none)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and labels.items() <= s.labels.items():
                total += s.value
    return total


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def client_from(api: Api, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_loopback_scrapes_without_a_token_others_are_401(api: Api) -> None:
    await scrape(api.client)

    async with client_from(api, "10.0.0.7") as remote:
        response = await remote.get("/metrics")

    assert_problem(response, 401, "unauthorized")


async def test_with_a_metrics_token_every_scrape_needs_it(api_factory: ApiFactory) -> None:
    async with api_factory(metrics_token="scrape-me-please") as api:  # noqa: S106 - a test token
        assert_problem(await api.client.get("/metrics"), 401, "unauthorized")
        async with client_from(api, "10.0.0.7") as remote:
            wrong = await remote.get("/metrics", headers={"Authorization": "Bearer nope"})
            text = await scrape(remote, Authorization="Bearer scrape-me-please")

        assert_problem(wrong, 401, "unauthorized")
        assert "foodscan_queue_jobs" in text


async def test_queue_depth_is_read_from_the_database(api: Api, receipt_image) -> None:
    for _ in range(2):
        assert (await api.submit(receipt_image())).status_code == 202
    await api.queue().claim(["receipt"])

    text = await scrape(api.client)

    assert sample(text, "foodscan_database_up") == 1
    assert sample(text, "foodscan_queue_jobs", lane="paid", status="queued") == 1
    assert sample(text, "foodscan_queue_jobs", lane="paid", status="running") == 1
    assert sample(text, "foodscan_queue_jobs", lane="free", status="queued") == 0


async def test_open_sse_streams_are_a_gauge(api: Api, open_stream: StreamOpener) -> None:
    stream = await open_stream(api.app, "/v1/events")
    await stream.frames(1)  # retry:

    during = await scrape(api.client)
    await stream.disconnect()
    after = await scrape(api.client)

    assert sample(during, "foodscan_sse_connections", stream="user") == 1
    assert sample(after, "foodscan_sse_connections", stream="user") == 0


async def test_refused_submits_are_counted_by_code(api_factory: ApiFactory, receipt_image) -> None:
    plans = {"paid": {"submits_per_minute": 1}}
    async with api_factory(plans=plans) as api:
        await api.submit(receipt_image())
        assert (await api.submit(receipt_image())).status_code == 429

        text = await scrape(api.client)

    assert sample(text, "foodscan_submits_limited_total", code="rate_limited") == 1
    assert sample(text, "foodscan_jobs_submitted_total", kind="receipt", lane="paid") == 1


# ---- a real job through an embedded app -----------------------------------------------------


class Text(BaseModel):
    text: str


async def _read(ctx: Context) -> None:
    if ctx.options.get("transient_once") and ctx.job_id not in _seen:
        _seen.add(ctx.job_id)
        raise TransientError("the provider timed out")


async def _parse(ctx: Context) -> None:
    if ctx.options.get("unreadable"):
        raise UnreadableFile("cannot decode")
    ctx.result = Text(text="ok")


_seen: set[str] = set()
FAST = Pipeline(
    kind="receipt",
    result_model=Text,
    steps=(
        Step(name="read", weight=1, message="reading", run=_read),
        Step(name="parse", weight=1, message="parsing", run=_parse),
    ),
    accepts=frozenset({"image/jpeg"}),
    new_state=no_state,
)


@asynccontextmanager
async def embedded(tmp_path: Path, database_url: str, **values: Any) -> AsyncIterator[Api]:
    """``create_app`` with its own worker, running ``FAST`` for receipts."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        kinds={"receipt": KindPolicy(backoff_base_s=0.01, backoff_max_s=0.01)},
        poll_s=0.1,
        **values,
    )
    app = create_app(settings, run_worker=True, registry=CollectorRegistry())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield Api(app, client, settings)


async def run_to_end(api: Api, image: bytes, options: str = "{}") -> str:
    """Submit and follow the job's event stream until it ends; returns the terminal type."""
    submitted = await api.submit(image, options=options)
    assert submitted.status_code == 202, submitted.text
    events = await api.client.get(f"{submitted.headers['location']}/events", timeout=20)
    last = [line for line in events.text.splitlines() if line.startswith("data:")][-1]
    return str(json.loads(last.removeprefix("data:"))["type"])


async def test_a_real_job_moves_the_counters(
    tmp_path: Path, database_url: str, receipt_image, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(runnable.PIPELINES, "receipt", FAST)
    image = receipt_image()
    async with embedded(tmp_path, database_url) as api:
        assert await run_to_end(api, image) == "job.succeeded"
        assert await run_to_end(api, receipt_image(), options='{"unreadable": true}') == (
            "job.failed"
        )
        assert await run_to_end(api, receipt_image(), options='{"transient_once": true}') == (
            "job.succeeded"
        )

        text = await scrape(api.client)

    finished = "foodscan_jobs_finished_total"
    assert sample(text, finished, kind="receipt", status="succeeded", code="") == 2
    assert sample(text, finished, kind="receipt", status="failed", code="unreadable_file") == 1
    assert sample(text, "foodscan_job_retries_total", kind="receipt", code="transient") == 1
    runs = "foodscan_job_run_seconds_count"
    assert sample(text, runs, kind="receipt", outcome="succeeded") == 2
    assert sample(text, runs, kind="receipt", outcome="failed") == 1
    assert sample(text, runs, kind="receipt", outcome="error") == 1
    steps = "foodscan_job_step_seconds_count"
    assert sample(text, steps, kind="receipt", step="read") == 3  # the transient run cut it
    assert sample(text, steps, kind="receipt", step="parse") == 2
    assert sample(text, "foodscan_upload_bytes_total", kind="receipt") >= len(image)
    assert sample(text, "foodscan_jobs_submitted_total", kind="receipt") == 3
    assert sample(text, "foodscan_sse_connections", stream="job") == 0
    assert sample(text, "foodscan_queue_jobs", status="queued") == 0
