"""Bad cursors and tickets (issue 15, items 13 and 15), on both engines.

A cursor past a 64-bit event id (``?after=``, ``Last-Event-ID``, the WebSocket's ``?after=``)
is ``422 invalid_input`` (close 4422) before any stream opens, never a 200 cut short; a
WebSocket ``?after=abc`` is the documented 4422 close, not a refused handshake; a request
refused for its cursor leaves its ticket unspent; tickets are rate-limited per user.
"""

from __future__ import annotations

import pytest

from tests.integration.api.hostile import photo
from tests.integration.api.sockets import Socket
from tests.integration.api.support import SECRET, Api, event_types, parse_frames

pytestmark = pytest.mark.timeout(60)
TOO_FAR = [str(2**63), str(2**64), "9" * 40]
BAD = [*TOO_FAR, "-1", "abc", "1.5", "3e2"]


async def _finished(api: Api, headers: dict[str, str] | None = None) -> str:
    response = await api.submit(photo(size=(40, 30)), headers=headers)
    assert response.status_code == 202, response.text
    queue = api.queue()
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"lines": []})
    job_id: str = response.json()["job_id"]
    return job_id


async def _ticket(api: Api, user: str = "alice", job_id: str | None = None) -> str:
    body = {"job_id": job_id} if job_id else None
    response = await api.client.post("/v1/events/tickets", json=body, headers=api.auth(user))
    assert response.status_code == 201, response.text
    value: str = response.json()["ticket"]
    return value


@pytest.mark.parametrize("value", TOO_FAR)
async def test_an_after_past_a_64_bit_id_is_422(api: Api, value: str) -> None:
    job_id = await _finished(api)

    for url in (f"/v1/jobs/{job_id}/events", "/v1/events"):
        response = await api.client.get(url, params={"after": value})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize("value", BAD)
async def test_a_bad_last_event_id_is_422(api: Api, value: str) -> None:
    job_id = await _finished(api)

    for url in (f"/v1/jobs/{job_id}/events", "/v1/events"):
        response = await api.client.get(url, headers={"Last-Event-ID": value})
        assert response.status_code == 422, (url, response.text)
        assert "Last-Event-ID" in response.json()["detail"]


async def test_the_largest_event_id_is_a_cursor(api: Api) -> None:
    job_id = await _finished(api)

    response = await api.client.get(f"/v1/jobs/{job_id}/events", params={"after": 2**63 - 1})

    assert response.status_code == 200
    assert event_types(parse_frames(response.content)) == []  # nothing after it; it ended


@pytest.mark.parametrize("value", BAD)
async def test_a_bad_websocket_after_closes_with_4422(api: Api, value: str) -> None:
    async with Socket(api.app, f"/v1/ws?after={value}") as socket:
        code, message = await socket.refusal()

    assert code == 4422
    assert message is not None
    assert message["code"] == "invalid_input"
    assert "'after'" in message["message"]


async def test_a_refused_cursor_does_not_spend_the_ticket(api_factory) -> None:
    async with api_factory(secret_key=SECRET) as api:
        job_id = await _finished(api, api.auth("alice"))
        sse, socket_ticket = await _ticket(api, job_id=job_id), await _ticket(api)

        refused = await api.client.get(
            f"/v1/jobs/{job_id}/events", params={"ticket": sse, "after": "abc"}
        )
        too_far = await api.client.get(
            f"/v1/jobs/{job_id}/events", params={"ticket": sse}, headers={"Last-Event-ID": "-1"}
        )
        used = await api.client.get(f"/v1/jobs/{job_id}/events", params={"ticket": sse})
        async with Socket(api.app, f"/v1/ws?ticket={socket_ticket}&after=abc") as ws:
            ws_refused, _ = await ws.refusal()
        async with Socket(api.app, f"/v1/ws?ticket={socket_ticket}&after=0") as ws:
            first = await ws.next()

    assert [refused.status_code, too_far.status_code, used.status_code] == [422, 422, 200]
    assert event_types(parse_frames(used.content))[-1] == "job.succeeded"
    assert ws_refused == 4422
    assert first is not None
    assert first["type"] == "job.queued"


async def test_tickets_are_rate_limited_per_user(api_factory) -> None:
    async with api_factory(secret_key=SECRET, tickets_per_minute=3) as api:
        for _ in range(3):
            await _ticket(api, "alice")
        refused = await api.client.post("/v1/events/tickets", headers=api.auth("alice"))
        other = await api.client.post("/v1/events/tickets", headers=api.auth("bob"))

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.status_code == 201
