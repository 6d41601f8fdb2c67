"""Event-stream tickets (both engines): a browser opens an SSE stream with ``?ticket=`` instead
of an Authorization header; a ticket works once, within its minute, for its user and scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from foodscan.db.tables import event_tickets
from tests.integration.api.support import Api, event_types, parse_frames


async def finished_job(api: Api, receipt_image, user: str) -> str:
    response = await api.submit(receipt_image(), headers=api.auth(user))
    assert response.status_code == 202, response.text
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"lines": []})
    job_id: str = response.json()["job_id"]
    return job_id


async def ticket(api: Api, user: str, job_id: str | None = None) -> str:
    body = {"job_id": job_id} if job_id else None
    response = await api.client.post("/v1/events/tickets", json=body, headers=api.auth(user))
    assert response.status_code == 201, response.text
    data = response.json()
    assert datetime.fromisoformat(data["expires_at"]) > datetime.now(UTC)
    value: str = data["ticket"]
    return value


async def test_a_ticket_opens_a_jobs_stream_once(secured_api: Api, receipt_image) -> None:
    job_id = await finished_job(secured_api, receipt_image, "alice")
    once = await ticket(secured_api, "alice", job_id)

    first = await secured_api.client.get(f"/v1/jobs/{job_id}/events", params={"ticket": once})
    again = await secured_api.client.get(f"/v1/jobs/{job_id}/events", params={"ticket": once})

    assert first.status_code == 200
    assert event_types(parse_frames(first.content))[-1] == "job.succeeded"
    assert again.status_code == 401
    assert again.json()["code"] == "unauthorized"


async def test_a_stream_without_token_or_ticket_is_401(secured_api: Api, receipt_image) -> None:
    job_id = await finished_job(secured_api, receipt_image, "alice")

    response = await secured_api.client.get(f"/v1/jobs/{job_id}/events")

    assert response.status_code == 401


async def test_an_expired_ticket_is_401(secured_api: Api, receipt_image) -> None:
    job_id = await finished_job(secured_api, receipt_image, "alice")
    stale = await ticket(secured_api, "alice", job_id)
    async with secured_api.app.state.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await conn.execute(sa.update(event_tickets).values(expires_at=past))

    response = await secured_api.client.get(f"/v1/jobs/{job_id}/events", params={"ticket": stale})

    assert response.status_code == 401


async def test_a_job_ticket_opens_no_other_stream(secured_api: Api, receipt_image) -> None:
    one = await finished_job(secured_api, receipt_image, "alice")
    other = await finished_job(secured_api, receipt_image, "alice")

    elsewhere = await secured_api.client.get(
        f"/v1/jobs/{other}/events", params={"ticket": await ticket(secured_api, "alice", one)}
    )
    everything = await secured_api.client.get(
        "/v1/events", params={"ticket": await ticket(secured_api, "alice", one)}
    )

    assert (elsewhere.status_code, everything.status_code) == (401, 401)


async def test_no_ticket_for_another_users_job(secured_api: Api, receipt_image) -> None:
    job_id = await finished_job(secured_api, receipt_image, "alice")

    response = await secured_api.client.post(
        "/v1/events/tickets", json={"job_id": job_id}, headers=secured_api.auth("mallory")
    )

    assert response.status_code == 404
    async with secured_api.app.state.engine.connect() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(event_tickets))).scalar()
    assert count == 0


async def test_a_users_ticket_opens_their_user_stream_only(
    secured_api: Api, receipt_image, open_stream
) -> None:
    mine = await finished_job(secured_api, receipt_image, "alice")
    await finished_job(secured_api, receipt_image, "bob")

    stream = await open_stream(
        secured_api.app, f"/v1/events?after=0&ticket={await ticket(secured_api, 'alice')}"
    )
    frames = await stream.frames(3)
    await stream.disconnect()

    assert {f.event["job_id"] for f in frames if f.data} == {mine}


async def test_a_ticket_is_refused_without_a_token(secured_api: Api) -> None:
    response = await secured_api.client.post("/v1/events/tickets")

    assert response.status_code == 401
