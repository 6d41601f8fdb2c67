"""A stream marked behind while it waits (the LISTEN connection reconnected) replays what it
missed before the live event that woke it: found by ``tests/reliability/db_faults.py``."""

from __future__ import annotations

from datetime import UTC, datetime

from foodscan.events import log
from foodscan.events.log import NewEvent

LIVE = {"sse_heartbeat_s": 30.0}


async def test_an_event_missed_while_listen_was_down_comes_before_the_next_live_one(
    api_factory, receipt_image, open_stream
) -> None:
    async with api_factory(**LIVE) as api:
        response = await api.submit(receipt_image())
        job_id = response.json()["job_id"]
        stream = await open_stream(api.app, f"/v1/jobs/{job_id}/events")
        assert [f.event["type"] for f in await stream.frames(2) if f.data] == ["job.queued"]
        queue = api.queue()
        lease = await queue.claim(["receipt"])
        assert lease is not None
        assert [f.event["type"] for f in await stream.frames(1)] == ["job.started"]

        # The LISTEN connection drops: an event commits unheard, then the hub is told to resync.
        async with api.app.state.engine.begin() as conn:
            (missed,) = await log.append_many(
                conn,
                [
                    NewEvent(
                        job_id=job_id,
                        user_id=lease.job.user_id,
                        type="job.progress",
                        data={
                            "kind": "receipt",
                            "step": "ocr",
                            "progress": 10,
                            "message": "unheard",
                        },
                    )
                ],
                datetime.now(UTC),
            )
        api.app.state.hub.resync_all()
        await queue.succeed(lease, {"lines": []})  # heard live, and wakes the stream
        rest = await stream.rest()

    assert [(f.event["type"], f.id) for f in rest][:1] == [("job.progress", missed.id)]
    assert [f.event["type"] for f in rest] == ["job.progress", "job.succeeded"]
