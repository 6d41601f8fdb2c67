"""SSE: replay, live, resume cursors, terminal close, heartbeats, overflow resync, disconnect."""

from __future__ import annotations

import pytest

from foodscan.events import hub as hub_module
from foodscan.events import log
from foodscan.events.sse_frames import HEARTBEAT
from tests.integration.api.support import Api, Frame, event_types, parse_frames

LIVE = {"sse_heartbeat_s": 30.0}


async def submit(api: Api, receipt_image, headers: dict[str, str] | None = None) -> str:
    response = await api.submit(receipt_image(), headers=headers)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def run_to_success(api: Api) -> None:
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.progress(lease, "validate", 0, "Checking the file")
    await queue.progress(lease, "ocr", 40, "Reading text")
    await queue.succeed(lease, {"lines": []})


def events_of(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if f.data is not None]


async def test_job_stream_replays_history_then_closes(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    await run_to_success(api)

    response = await api.client.get(f"/v1/jobs/{job_id}/events")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache, no-transform"
    assert response.headers["x-accel-buffering"] == "no"
    frames = parse_frames(response.content)
    assert frames[0] == Frame(retry=1500)
    assert event_types(frames) == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.progress",
        "job.succeeded",
    ]
    ids = [f.id or 0 for f in frames[1:]]
    assert ids == sorted(ids)
    assert all(ids)
    assert all(f.id == f.event["id"] and f.event["job_id"] == job_id for f in frames[1:])
    assert list(frames[1].event)[:4] == ["type", "id", "timestamp", "job_id"]
    # The bytes on the wire are the frames the log encoded, unchanged.
    async with api.app.state.engine.connect() as conn:
        records = await log.read_job(conn, job_id)
    assert response.content == b"retry: 1500\n\n" + b"".join(r.frame for r in records)


async def test_stream_resumes_after_the_cursor(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    await run_to_success(api)
    url = f"/v1/jobs/{job_id}/events"
    ids = [f.id for f in events_of(parse_frames((await api.client.get(url)).content))]

    by_query = await api.client.get(url, params={"after": ids[1]})
    by_header = await api.client.get(url, headers={"Last-Event-ID": str(ids[2])})
    both = await api.client.get(
        url, params={"after": ids[0]}, headers={"Last-Event-ID": str(ids[3])}
    )

    assert [f.id for f in events_of(parse_frames(by_query.content))] == ids[2:]
    assert [f.id for f in events_of(parse_frames(by_header.content))] == ids[3:]
    assert [f.id for f in events_of(parse_frames(both.content))] == ids[4:]


async def test_finished_job_with_cursor_at_its_end_closes_at_once(api: Api, receipt_image) -> None:
    job_id = await submit(api, receipt_image)
    await run_to_success(api)
    url = f"/v1/jobs/{job_id}/events"
    last = events_of(parse_frames((await api.client.get(url)).content))[-1].id

    response = await api.client.get(url, headers={"Last-Event-ID": str(last)})

    assert response.status_code == 200
    assert parse_frames(response.content) == [Frame(retry=1500)]


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"after": "-1"}, {}), ({"after": "abc"}, {}), ({}, {"Last-Event-ID": "abc"})],
)
async def test_bad_cursor_is_422(api: Api, receipt_image, params, headers) -> None:
    job_id = await submit(api, receipt_image)

    for url in (f"/v1/jobs/{job_id}/events", "/v1/events"):
        response = await api.client.get(url, params=params, headers=headers)

        assert response.status_code == 422
        assert response.json()["code"] == "invalid_input"


async def test_unknown_job_stream_is_404(api: Api) -> None:
    response = await api.client.get("/v1/jobs/nope/events")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_live_stream_follows_the_job_with_heartbeats_without_ids(
    api_factory, receipt_image, open_stream
) -> None:
    async with api_factory(sse_heartbeat_s=0.05) as api:
        job_id = await submit(api, receipt_image)
        stream = await open_stream(api.app, f"/v1/jobs/{job_id}/events")
        assert stream.status == 200
        head = await stream.frames(2)
        assert head[0].retry == 1500
        assert event_types(head[1:]) == ["job.queued"]
        # Nothing happens now, so the next chunk must be a heartbeat.
        assert await stream.next() == HEARTBEAT

        await run_to_success(api)
        rest = await stream.rest()

        heartbeats = [f for f in rest if f.data is None]
        assert all(f.id is None and f.comments for f in heartbeats)
        assert event_types(rest) == ["job.started", "job.progress", "job.progress", "job.succeeded"]
        assert all(f.id is not None for f in events_of(rest))


async def test_stream_of_a_retried_job_does_not_stop_at_the_old_failure(
    api_factory, receipt_image, open_stream
) -> None:
    async with api_factory(**LIVE) as api:
        job_id = await submit(api, receipt_image)
        queue = api.queue()
        lease = await queue.claim(["receipt"])
        assert lease is not None
        await queue.fail(lease, "no_text", "No text was found")
        assert (await api.client.post(f"/v1/jobs/{job_id}/retry")).status_code == 202

        stream = await open_stream(api.app, f"/v1/jobs/{job_id}/events")
        replayed = await stream.frames(5)
        await run_to_success(api)
        rest = await stream.rest()

    assert event_types(replayed) == ["job.queued", "job.started", "job.failed", "job.queued"]
    assert event_types(rest) == ["job.started", "job.progress", "job.progress", "job.succeeded"]


async def test_overflowed_subscriber_resyncs_from_the_log(
    api_factory, receipt_image, open_stream, monkeypatch
) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_SIZE", 1)
    async with api_factory(**LIVE) as api:
        job_id = await submit(api, receipt_image)
        stream = await open_stream(api.app, f"/v1/jobs/{job_id}/events")
        assert event_types(await stream.frames(2)) == ["job.queued"]

        stream.gate.clear()  # the client stops reading: the app blocks on its next send
        queue = api.queue()
        lease = await queue.claim(["receipt"])
        assert lease is not None
        for step in range(3):
            await queue.progress(lease, f"step-{step}", step * 10, "working")
        stream.gate.set()
        await queue.succeed(lease, {"lines": []})
        rest = await stream.rest()

    assert event_types(rest) == ["job.started"] + ["job.progress"] * 3 + ["job.succeeded"]
    ids = [f.id for f in rest]
    assert ids == sorted(set(ids))


async def test_user_stream_carries_only_that_users_jobs_until_disconnect(
    secured_api: Api, receipt_image, open_stream
) -> None:
    alice, bob = secured_api.auth("alice"), secured_api.auth("bob")
    earlier = await submit(secured_api, receipt_image, alice)
    stream = await open_stream(secured_api.app, "/v1/events", alice)
    head = await stream.frames(2)

    await submit(secured_api, receipt_image, bob)
    later = await submit(secured_api, receipt_image, alice)
    live = await stream.frames(1)
    hub = secured_api.app.state.hub
    assert hub.subscriber_count == 1
    await stream.disconnect()

    assert head[0].retry == 1500
    assert [(f.event["type"], f.event["job_id"]) for f in head[1:]] == [("job.queued", earlier)]
    assert [(f.event["type"], f.event["job_id"]) for f in live] == [("job.queued", later)]
    assert hub.subscriber_count == 0


async def test_user_stream_resumes_after_last_event_id(
    api: Api, receipt_image, open_stream
) -> None:
    first = await submit(api, receipt_image)
    await run_to_success(api)
    second = await submit(api, receipt_image)
    job_url = f"/v1/jobs/{first}/events"
    last_of_first = events_of(parse_frames((await api.client.get(job_url)).content))[-1].id

    stream = await open_stream(api.app, "/v1/events", {"Last-Event-ID": str(last_of_first)})
    frames = await stream.frames(2)
    await stream.disconnect()

    assert [(f.event["type"], f.event["job_id"]) for f in frames[1:]] == [("job.queued", second)]
    assert frames[1].id > last_of_first
