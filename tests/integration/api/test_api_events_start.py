"""``GET /v1/events`` without a cursor starts now: the latest event of each unfinished job of the
user, then live events; not the user's whole history (``?after=0`` still replays it)."""

from __future__ import annotations

from tests.integration.api.support import Api


async def submit(api: Api, receipt_image, seed: int) -> str:
    response = await api.submit(receipt_image(seed=seed))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def test_a_stream_without_a_cursor_starts_at_the_unfinished_jobs_state(
    api: Api, receipt_image, open_stream
) -> None:
    done = await submit(api, receipt_image, seed=1)
    running = await submit(api, receipt_image, seed=2)
    waiting = await submit(api, receipt_image, seed=3)
    queue = api.queue()
    first = await queue.claim(["receipt"])
    assert first is not None
    assert first.job.id == done
    await queue.progress(first, "ocr", 40, "Reading text")
    await queue.succeed(first, {"lines": []})
    second = await queue.claim(["receipt"])
    assert second is not None
    assert second.job.id == running
    await queue.progress(second, "validate", 0, "Checking the file")
    await queue.progress(second, "ocr", 40, "Reading text")

    stream = await open_stream(api.app, "/v1/events")
    head = await stream.frames(3)
    await queue.progress(second, "parse", 70, "Reading the lines")
    live = await stream.frames(1)
    await stream.disconnect()

    assert head[0].retry == 1500
    # Oldest first: the waiting job's queued event came before the running job's progress.
    assert [(f.event["job_id"], f.event["type"]) for f in head[1:]] == [
        (waiting, "job.queued"),
        (running, "job.progress"),
    ]
    shown = {f.event["job_id"]: f.event for f in head[1:]}
    assert shown[running]["progress"] == 40
    assert done not in shown
    ids = [f.id or 0 for f in head[1:]]
    assert ids == sorted(ids)
    assert [(f.event["job_id"], f.event["progress"]) for f in live] == [(running, 70)]
    assert (live[0].id or 0) > max(ids)


async def test_after_zero_replays_the_whole_history(api: Api, receipt_image, open_stream) -> None:
    job_id = await submit(api, receipt_image, seed=1)
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"lines": []})

    stream = await open_stream(api.app, "/v1/events?after=0")
    frames = await stream.frames(4)
    await stream.disconnect()

    assert [(f.event["job_id"], f.event["type"]) for f in frames[1:]] == [
        (job_id, "job.queued"),
        (job_id, "job.started"),
        (job_id, "job.succeeded"),
    ]
