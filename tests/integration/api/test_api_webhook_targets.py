"""Callback URLs that must never be tried twice, on both engines: one with CR/LF is refused at
submit, a stored one httpx cannot send fails at its first attempt instead of staying pending,
and a name that resolves to loopback is refused at delivery, with nothing sent. Receivers
listen on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from foodscan.db import tables
from foodscan.webhooks.deliverer import Deliverer
from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import Api
from tests.integration.webhook_receiver import SECRET, Receiver, running_receiver

HOOKS = {
    "webhook_secret": SECRET,
    "webhook_allow_private": True,  # the receiver listens on loopback
    "webhook_backoff_base_s": 0.02,
    "webhook_backoff_max_s": 0.05,
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def hooks_api(api_factory: ApiFactory) -> AsyncIterator[Api]:
    async with api_factory(**HOOKS) as running:
        yield running


async def finished_job_with_delivery(api: Api, receipt_image, url: str) -> str:
    """A succeeded job whose pending delivery names ``url``, as a row an earlier version (or a
    per-user default) could have stored without today's submit check."""
    response = await api.submit(receipt_image(), callback_url="http://127.0.0.1:9/placeholder")
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"total": "1.00"})
    async with api.app.state.engine.begin() as conn:
        await conn.execute(
            sa.update(tables.webhook_deliveries)
            .where(tables.webhook_deliveries.c.job_id == job_id)
            .values(url=url)
        )
    return job_id


async def deliveries(api: Api, job_id: str) -> list[dict[str, Any]]:
    response = await api.client.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["webhook"]["deliveries"]
    return found


@pytest.mark.parametrize(
    "url",
    [
        "http://hook.invalid/hook\r\nX-Injected: 1",
        "http://hook.invalid/ho\nok",
        "http://hook.invalid/ho\tok",
    ],
)
async def test_a_callback_url_with_control_characters_is_refused_at_submit(
    api_factory: ApiFactory, receipt_image, url: str
) -> None:
    async with api_factory(webhook_secret=SECRET) as api:
        response = await api.submit(receipt_image(), callback_url=url)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_callback_url"
        assert "control characters" in response.json()["detail"]
        await api.assert_nothing_stored()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook\r\nX-Injected: 1",  # stored before submit refused it
        "http://127.0.0.1:99999/hook",  # a port httpx parses and no socket takes
    ],
)
async def test_a_stored_url_httpx_cannot_send_fails_at_its_first_attempt(
    hooks_api: Api, receipt_image, url: str
) -> None:
    job_id = await finished_job_with_delivery(hooks_api, receipt_image, url)
    deliverer = Deliverer(hooks_api.app.state.engine, hooks_api.settings)
    try:
        assert await deliverer.deliver_due() == 1
        assert await deliverer.deliver_due() == 0  # nothing left pending to retry
    finally:
        await deliverer.close()
    [delivery] = await deliveries(hooks_api, job_id)
    assert delivery["state"] == "failed"
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"]


@pytest.mark.parametrize("host", ["localhost", "[::ffff:127.0.0.1]"])
async def test_a_name_resolving_to_loopback_is_refused_at_delivery_and_nothing_is_sent(
    hooks_api: Api, receiver: Receiver, receipt_image, host: str
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    job_id = await finished_job_with_delivery(hooks_api, receipt_image, f"http://{host}:{port}/h")
    strict = hooks_api.settings.model_copy(update={"webhook_allow_private": False})
    deliverer = Deliverer(hooks_api.app.state.engine, strict)
    try:
        assert await deliverer.deliver_due() == 1
    finally:
        await deliverer.close()
    [delivery] = await deliveries(hooks_api, job_id)
    assert delivery["state"] == "failed"
    [attempt] = delivery["attempts"]
    assert "refused" in attempt["error"]
    assert receiver.nothing_more()


@pytest.mark.parametrize(
    "error",
    [httpx.InvalidURL("bad URL"), httpx.LocalProtocolError("bad request line")],
    ids=["InvalidURL", "LocalProtocolError"],
)
async def test_a_request_httpx_refuses_to_send_fails_at_once(
    hooks_api: Api, receipt_image, error: Exception
) -> None:
    # httpx is the process boundary here: its transport raises what a bad request raises.
    def refuse(request: httpx.Request) -> httpx.Response:
        raise error

    job_id = await finished_job_with_delivery(hooks_api, receipt_image, "http://127.0.0.1:9/h")
    deliverer = Deliverer(
        hooks_api.app.state.engine, hooks_api.settings, transport=httpx.MockTransport(refuse)
    )
    try:
        assert await deliverer.deliver_due() == 1
    finally:
        await deliverer.close()
    [delivery] = await deliveries(hooks_api, job_id)
    assert delivery["state"] == "failed"
    assert [a["error"] for a in delivery["attempts"]] == [f"{type(error).__name__}: {error}"]
