"""The authorization matrix over ``GET /v1/ws`` and event tickets, on both engines, with a secret
key configured: what ``test_api_authz_matrix`` checks for SSE, checked for the WebSocket.

Another user's token or ticket never gets events of a user's jobs over the socket (the user
stream live and replayed from cursors inside the other user's events, a per-job socket of
their job); a ticket scoped to one job opens nothing else; a used, expired or forged ticket,
and a ticket sent as a bearer token, are refused with close code 4401 and one error message.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from foodscan.db.tables import event_tickets, job_events
from tests.integration.api.hostile import photo
from tests.integration.api.sockets import Socket
from tests.integration.api.support import Api

pytestmark = pytest.mark.timeout(60)
NO_SUCH_JOB = "00000000-0000-4000-8000-000000000000"


async def submit(api: Api, user: str, seed: int) -> str:
    response = await api.submit(photo(size=(40 + seed, 30)), headers=api.auth(user, "free"))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def run_all(api: Api, count: int) -> None:
    """Claim ``count`` queued jobs and take each through progress to success: live events."""
    queue = api.queue()
    leases = [await queue.claim(["receipt"]) for _ in range(count)]
    for lease in leases:
        assert lease is not None
        await queue.progress(lease, "ocr", 50, "Reading text")
    for lease in leases:
        assert lease is not None
        await queue.succeed(lease, {"lines": []})


async def ticket(api: Api, user: str, job_id: str | None = None) -> str:
    body = {"job_id": job_id} if job_id else None
    response = await api.client.post("/v1/events/tickets", json=body, headers=api.auth(user))
    assert response.status_code == 201, response.text
    value: str = response.json()["ticket"]
    return value


def job_ids(messages: list[dict[str, Any]]) -> set[str]:
    return {m["job_id"] for m in messages}


async def test_the_socket_user_stream_carries_only_the_users_own_events_live(
    secured_api: Api,
) -> None:
    alices = await submit(secured_api, "alice", 1)
    bobs = await submit(secured_api, "bob", 2)
    app = secured_api.app
    by_token = Socket(app, "/v1/ws", secured_api.auth("bob"))
    by_ticket = Socket(app, f"/v1/ws?ticket={await ticket(secured_api, 'bob')}")
    alice = Socket(app, "/v1/ws", secured_api.auth("alice"))

    async with by_token, by_ticket, alice:
        replayed = [await s.next() for s in (by_token, by_ticket, alice)]
        await run_all(secured_api, 2)
        seen = [await s.events(until="job.succeeded") for s in (by_token, by_ticket)]
        alice_seen = await alice.events(until="job.succeeded")

    for first, rest in zip(replayed[:2], seen, strict=True):
        assert first is not None
        assert job_ids([first, *rest]) == {bobs}
        assert [m["type"] for m in [first, *rest]] == [
            "job.queued",
            "job.started",
            "job.progress",
            "job.succeeded",
        ]
    # The control: alice's socket does carry her events.
    assert replayed[2] is not None
    assert job_ids([replayed[2], *alice_seen]) == {alices}


async def test_a_socket_cursor_inside_another_users_events_replays_only_ones_own(
    secured_api: Api,
) -> None:
    await submit(secured_api, "alice", 1)
    await submit(secured_api, "bob", 2)
    await run_all(secured_api, 2)
    await submit(secured_api, "bob", 3)  # so every cursor has a later event of bob's
    async with secured_api.app.state.engine.connect() as conn:
        query = sa.select(job_events.c.id, job_events.c.user_id, job_events.c.job_id)
        logged = (await conn.execute(query)).all()
    alice_ids = sorted(row.id for row in logged if row.user_id == "alice")
    bob_ids = sorted(row.id for row in logged if row.user_id == "bob")
    bobs_jobs = {row.job_id for row in logged if row.user_id == "bob"}
    assert alice_ids
    assert bob_ids

    for cursor in [0, *alice_ids]:
        expected = [i for i in bob_ids if i > cursor]
        url = f"/v1/ws?after={cursor}"
        async with Socket(secured_api.app, url, secured_api.auth("bob")) as socket:
            got = await socket.events(count=len(expected))
        assert [m["id"] for m in got] == expected, f"after {cursor}"
        assert job_ids(got) <= bobs_jobs, f"after {cursor}"


async def test_another_users_ticket_or_token_never_opens_a_users_job_socket(
    secured_api: Api,
) -> None:
    alices = await submit(secured_api, "alice", 1)
    bobs = await submit(secured_api, "bob", 2)
    app = secured_api.app
    cases = {
        "bob's token, alice's job": (f"/v1/ws?job_id={alices}", secured_api.auth("bob"), 4404),
        "bob's ticket, alice's job": (
            f"/v1/ws?job_id={alices}&ticket={await ticket(secured_api, 'bob')}",
            {},
            4404,
        ),
        "bob's job ticket, alice's job": (
            f"/v1/ws?job_id={alices}&ticket={await ticket(secured_api, 'bob', bobs)}",
            {},
            4401,
        ),
        "bob's job ticket, the user stream": (
            f"/v1/ws?ticket={await ticket(secured_api, 'bob', bobs)}",
            {},
            4401,
        ),
        # A ticket decides who is asking, whatever the header says.
        "bob's ticket with alice's token": (
            f"/v1/ws?job_id={alices}&ticket={await ticket(secured_api, 'bob')}",
            secured_api.auth("alice"),
            4404,
        ),
    }

    async with Socket(app, f"/v1/ws?job_id={NO_SUCH_JOB}", secured_api.auth("bob")) as socket:
        _, nobody = await socket.refusal()
    assert nobody is not None
    assert nobody["code"] == "not_found"

    for name, (url, headers, code) in cases.items():
        async with Socket(app, url, headers) as socket:
            close_code, message = await socket.refusal()
        assert close_code == code, name
        assert message is not None, name
        text = json.dumps(message)
        if code == 4404:
            # Indistinguishable from a job that does not exist: no oracle for others' ids.
            assert text.replace(alices, NO_SUCH_JOB) == json.dumps(nobody), name
        else:
            assert (message["type"], message["code"]) == ("error", "unauthorized"), name
            assert alices not in text, name


async def test_a_job_ticket_opens_its_own_job_socket(secured_api: Api) -> None:
    """The control for the refusals above: the same kind of ticket, on its own job."""
    bobs = await submit(secured_api, "bob", 2)
    url = f"/v1/ws?job_id={bobs}&ticket={await ticket(secured_api, 'bob', bobs)}"

    async with Socket(secured_api.app, url) as socket:
        first = await socket.next()

    assert first is not None
    assert (first["type"], first["job_id"]) == ("job.queued", bobs)


async def test_a_used_expired_or_misplaced_ticket_closes_the_socket_with_4401(
    secured_api: Api,
) -> None:
    await submit(secured_api, "bob", 2)
    used = await ticket(secured_api, "bob")
    async with Socket(secured_api.app, f"/v1/ws?ticket={used}") as socket:
        assert await socket.next() is not None  # the first use works
    stale = await ticket(secured_api, "bob")
    async with secured_api.app.state.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await conn.execute(sa.update(event_tickets).values(expires_at=past))
    as_bearer = {"Authorization": f"Bearer {await ticket(secured_api, 'bob')}"}

    for url, headers in (
        (f"/v1/ws?ticket={used}", {}),
        (f"/v1/ws?ticket={stale}", {}),
        ("/v1/ws", as_bearer),
        (f"/v1/ws?ticket={'A' * 43}", {}),
    ):
        async with Socket(secured_api.app, url, headers) as socket:
            close_code, message = await socket.refusal()
        assert close_code == 4401, url
        assert message is not None
        assert (message["type"], message["code"]) == ("error", "unauthorized"), url


async def test_a_ticket_is_no_bearer_token_for_the_http_endpoints(secured_api: Api) -> None:
    bobs = await submit(secured_api, "bob", 2)
    as_bearer = {"Authorization": f"Bearer {await ticket(secured_api, 'bob')}"}

    for method, url in (
        ("GET", f"/v1/jobs/{bobs}"),
        ("GET", "/v1/jobs"),
        ("POST", "/v1/events/tickets"),
        ("GET", f"/v1/jobs/{bobs}/events"),
    ):
        response = await secured_api.client.request(method, url, headers=as_bearer)
        assert response.status_code == 401, (url, response.text)
        assert response.json()["code"] == "unauthorized"
