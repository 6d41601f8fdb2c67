"""Completion webhooks end to end, on both engines: a submit's ``callback_url`` (or the user's
default), the terminal event POSTed to a real local receiver with a Standard Webhooks signature
verified from the spec, a 500 retried, every attempt on ``GET /v1/jobs/{id}``, a delivery left
by a crashed worker sent by another, and private or unsigned callbacks refused at submit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from foodscan.pipelines.base import Context, Pipeline, Step, no_state
from foodscan.serve import build_worker
from foodscan.webhooks import targets
from foodscan.webhooks.deliverer import Deliverer
from foodscan.webhooks.outbox import DeliveryQueue
from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import Api
from tests.integration.webhook_receiver import SECRET, Receiver, running_receiver, verify

HOOKS = {
    "webhook_secret": SECRET,
    "webhook_allow_private": True,  # the receiver listens on loopback
    "webhook_backoff_base_s": 0.02,
    "webhook_backoff_max_s": 0.05,
    "webhook_poll_s": 0.05,
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def hooks_api(api_factory: ApiFactory) -> AsyncIterator[Api]:
    async with api_factory(**HOOKS) as running:
        yield running


@pytest.fixture
async def deliverer(hooks_api: Api) -> AsyncIterator[Deliverer]:
    """A worker process's deliverer, driven by hand (``deliver_due``)."""
    made = Deliverer(hooks_api.app.state.engine, hooks_api.settings)
    yield made
    await made.close()


async def submit(api: Api, image: bytes, callback_url: str | None = None) -> str:
    if callback_url is None:
        response = await api.submit(image)
    else:
        response = await api.submit(image, callback_url=callback_url)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def finish(api: Api, job_id: str, outcome: str) -> None:
    """Drive the job to ``outcome`` as a worker (or, for ``cancelled``, as its user) would."""
    if outcome == "cancelled":
        assert (await api.client.delete(f"/v1/jobs/{job_id}")).status_code == 200
        return
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    assert lease.job.id == job_id
    if outcome == "succeeded":
        await queue.succeed(lease, {"total": "12.50"})
    else:
        await queue.fail(lease, "no_text", "nothing to read")


async def job_json(api: Api, job_id: str) -> dict[str, Any]:
    response = await api.client.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


# ---- delivery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["succeeded", "failed", "cancelled"])
async def test_each_terminal_event_is_posted_once_with_a_valid_signature(
    hooks_api: Api, deliverer: Deliverer, receiver: Receiver, receipt_image, outcome: str
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    await finish(hooks_api, job_id, outcome)

    assert await deliverer.deliver_due() == 1
    request = await receiver.next_request()
    verify(SECRET, request)
    event = json.loads(request.body)
    assert (event["type"], event["job_id"], event["kind"]) == (f"job.{outcome}", job_id, "receipt")
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks/foodscan"
    assert await deliverer.deliver_due() == 0
    assert receiver.nothing_more()

    body = await job_json(hooks_api, job_id)
    webhook = body["webhook"]
    assert (webhook["url"], webhook["delivered"]) == (receiver.url, True)
    [delivery] = webhook["deliveries"]
    assert delivery["id"] == request.headers["webhook-id"]
    assert (delivery["event_id"], delivery["event_type"]) == (event["id"], event["type"])
    assert delivery["state"] == "delivered"
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [(200, None)]
    assert delivery["delivered_at"] is not None
    assert delivery["next_attempt_at"] is None


async def test_the_event_posted_is_the_one_the_log_serves(
    hooks_api: Api, deliverer: Deliverer, receiver: Receiver, receipt_image
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    await finish(hooks_api, job_id, "succeeded")
    await deliverer.deliver_due()

    posted = json.loads((await receiver.next_request()).body)
    replay = await hooks_api.client.get(f"/v1/jobs/{job_id}/events")
    logged = [json.loads(line[5:]) for line in replay.text.splitlines() if line.startswith("data:")]
    assert posted == logged[-1]
    assert posted["result"] == {"total": "12.50"}


async def test_a_500_is_retried_with_a_fresh_signature_until_delivered(
    hooks_api: Api, deliverer: Deliverer, receipt_image
) -> None:
    with running_receiver(script=[500]) as receiver:
        job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
        await finish(hooks_api, job_id, "failed")
        deliverer.start()
        try:
            first = await receiver.next_request()
            second = await receiver.next_request()
        finally:
            await deliverer.stop()

    for request in (first, second):
        verify(SECRET, request)
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert json.loads(second.body)["type"] == "job.failed"
    [delivery] = (await job_json(hooks_api, job_id))["webhook"]["deliveries"]
    assert delivery["state"] == "delivered"
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [
        (500, "HTTP 500"),
        (200, None),
    ]


async def test_attempts_stop_at_the_limit_and_the_job_shows_why(
    api_factory: ApiFactory, receipt_image
) -> None:
    async with api_factory(**HOOKS, webhook_max_attempts=2) as api:
        deliverer = Deliverer(api.app.state.engine, api.settings)
        with running_receiver(script=[503, 503, 503]) as receiver:
            job_id = await submit(api, receipt_image(), callback_url=receiver.url)
            await finish(api, job_id, "succeeded")
            deliverer.start()
            try:
                await receiver.next_request()
                await receiver.next_request()
                await _until_settled(api, job_id)
            finally:
                await deliverer.stop()
            assert receiver.nothing_more()
        webhook = (await job_json(api, job_id))["webhook"]
    assert webhook["delivered"] is False
    [delivery] = webhook["deliveries"]
    assert delivery["state"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 503]


async def _until_settled(api: Api, job_id: str) -> None:
    async with asyncio.timeout(10):
        # The row has no change feed: read it under the deadline until no delivery is pending.
        while any(  # noqa: ASYNC110
            d["state"] == "pending" for d in (await job_json(api, job_id))["webhook"]["deliveries"]
        ):
            await asyncio.sleep(0.02)


async def test_a_delivery_left_by_a_crashed_worker_is_sent_by_another(
    hooks_api: Api, deliverer: Deliverer, receiver: Receiver, receipt_image
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    await finish(hooks_api, job_id, "succeeded")
    crashed = DeliveryQueue(hooks_api.app.state.engine, lease_s=30)
    held = await crashed.claim()  # then the process dies: no attempt is ever recorded
    assert held is not None

    assert await deliverer.deliver_due() == 0  # its lease still holds the row
    later = datetime.now(UTC) + timedelta(seconds=31)
    taken = await deliverer.queue.claim(now=later)
    assert taken is not None
    assert taken.id == held.id
    assert await deliverer.deliver(taken) is not None

    verify(SECRET, await receiver.next_request())
    assert receiver.nothing_more()
    [delivery] = (await job_json(hooks_api, job_id))["webhook"]["deliveries"]
    assert delivery["state"] == "delivered"


async def test_a_worker_delivers_the_webhook_of_the_job_it_ran(
    hooks_api: Api, receiver: Receiver, receipt_image
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    state = hooks_api.app.state
    worker = build_worker(
        state.engine,
        state.bus,
        hooks_api.settings,
        state.blobs,
        pipelines={"receipt": _echo_pipeline()},
    )
    await worker.start()
    try:
        request = await receiver.next_request()
    finally:
        await worker.stop(grace_s=0)

    verify(SECRET, request)
    event = json.loads(request.body)
    assert (event["type"], event["job_id"], event["result"]) == (
        "job.succeeded",
        job_id,
        {"text": "done"},
    )
    assert (await job_json(hooks_api, job_id))["webhook"]["delivered"] is True


class _Echo(BaseModel):
    text: str


def _echo_pipeline() -> Pipeline:
    async def run(ctx: Context) -> None:
        ctx.result = _Echo(text="done")

    return Pipeline(
        kind="receipt",
        result_model=_Echo,
        steps=(Step(name="echo", weight=1.0, message="echo", run=run),),
        accepts=frozenset({"image/jpeg"}),
        new_state=no_state,
        max_files=1,
    )


async def test_the_users_default_url_applies_when_the_submit_names_none(
    api_factory: ApiFactory, receiver: Receiver, receipt_image
) -> None:
    async with api_factory(**HOOKS, webhook_urls={"local": receiver.url}) as api:
        job_id = await submit(api, receipt_image())
        assert (await job_json(api, job_id))["webhook"] == {
            "url": receiver.url,
            "delivered": False,
            "deliveries": [],
        }
        await finish(api, job_id, "cancelled")
        deliverer = Deliverer(api.app.state.engine, api.settings)
        try:
            assert await deliverer.deliver_due() == 1
        finally:
            await deliverer.close()
        verify(SECRET, await receiver.next_request())
        listed = (await api.client.get("/v1/jobs", params={"full": "true"})).json()["items"]
    assert listed[0]["webhook"]["delivered"] is True


async def test_a_job_without_callback_has_no_webhook(hooks_api: Api, receipt_image) -> None:
    job_id = await submit(hooks_api, receipt_image())
    await finish(hooks_api, job_id, "cancelled")
    assert (await job_json(hooks_api, job_id))["webhook"] is None
    deliverer = Deliverer(hooks_api.app.state.engine, hooks_api.settings)
    assert await deliverer.deliver_due() == 0
    await deliverer.close()


# ---- refused at submit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://hook.invalid/hook",
        "not a url",
    ],
)
async def test_private_or_odd_callback_urls_are_refused_at_submit(
    api_factory: ApiFactory, receipt_image, url: str
) -> None:
    async with api_factory(webhook_secret=SECRET) as api:
        response = await api.submit(receipt_image(), callback_url=url)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_callback_url"
        await api.assert_nothing_stored()


async def test_a_callback_is_refused_where_no_secret_can_sign_it(api: Api, receipt_image) -> None:
    response = await api.submit(receipt_image(), callback_url="https://hook.invalid/hook")
    assert response.status_code == 422
    assert response.json()["code"] == "webhooks_unavailable"
    await api.assert_nothing_stored()


async def test_a_retried_job_posts_each_of_its_terminal_events_once(
    hooks_api: Api, deliverer: Deliverer, receiver: Receiver, receipt_image
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    await finish(hooks_api, job_id, "failed")
    assert (await hooks_api.client.post(f"/v1/jobs/{job_id}/retry")).status_code == 202
    await finish(hooks_api, job_id, "succeeded")

    assert await deliverer.deliver_due() == 2
    first, second = await receiver.next_request(), await receiver.next_request()
    assert [json.loads(r.body)["type"] for r in (first, second)] == ["job.failed", "job.succeeded"]
    assert first.headers["webhook-id"] != second.headers["webhook-id"]
    deliveries = (await job_json(hooks_api, job_id))["webhook"]["deliveries"]
    assert [d["state"] for d in deliveries] == ["delivered", "delivered"]


async def test_two_workers_racing_for_one_delivery_get_it_once(
    hooks_api: Api, engine_factory, receiver: Receiver, receipt_image
) -> None:
    job_id = await submit(hooks_api, receipt_image(), callback_url=receiver.url)
    await finish(hooks_api, job_id, "succeeded")
    queues = [DeliveryQueue(engine_factory(), lease_s=30) for _ in range(4)]

    claimed = await asyncio.gather(*(q.claim() for q in queues))

    assert len([d for d in claimed if d is not None]) == 1


async def test_a_delivery_connects_to_the_address_it_checked_not_a_fresh_lookup(
    hooks_api: Api,
    deliverer: Deliverer,
    receiver: Receiver,
    receipt_image,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS rebinding: a name checked at one address must not be looked up again for the
    # connect. The name here resolves only through the check's own lookup (to the receiver on
    # loopback); a second lookup, by httpx, would find nothing (.invalid never resolves).
    port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
    name = "hooks.rebind.invalid"
    looked_up: list[str] = []

    async def resolve(host: str, port: int) -> list[Any]:
        looked_up.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(targets, "resolve", resolve)
    url = f"http://{name}:{port}/hooks/foodscan"
    job_id = await submit(hooks_api, receipt_image(), callback_url=url)
    await finish(hooks_api, job_id, "succeeded")

    assert await deliverer.deliver_due() == 1
    request = await receiver.next_request()
    verify(SECRET, request)
    assert request.headers["host"] == f"{name}:{port}"  # the server still sees the URL's name
    assert looked_up == [name]  # one lookup: the check's
    webhook = (await job_json(hooks_api, job_id))["webhook"]
    assert webhook["delivered"] is True
