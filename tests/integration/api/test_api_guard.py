"""The keyless server refuses what a browser was tricked into sending (issue 15, items 1-3), on
both engines: a foreign ``Host`` (DNS rebinding) is ``421 host_not_allowed``; a state-changing
request or a WebSocket from another site's page is ``403 cross_site_request`` (close 4403);
nothing is stored. Loopback Hosts, the server's own origin, configured hosts and origins, and
clients that are not browsers (no Origin, no Sec-Fetch-Site) pass; with a secret key only a
configured host list applies.
"""

from __future__ import annotations

import pytest

from foodscan.api.guard import split_host
from tests.integration.api.hostile import photo
from tests.integration.api.sockets import Socket
from tests.integration.api.support import SECRET, Api

pytestmark = pytest.mark.timeout(60)
EVIL = "http://evil.example"
PROBLEM = "application/problem+json"


async def _job(api: Api) -> str:
    response = await api.submit(photo(size=(41, 30)))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


@pytest.mark.parametrize(
    "host", ["attacker.example:8000", "attacker.example", "127.0.0.1.nip.io:8000", "", "a b"]
)
async def test_a_foreign_host_is_refused_without_a_key(api: Api, host: str) -> None:
    response = await api.client.get("/v1/jobs", headers={"Host": host})

    assert response.status_code == 421, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "host_not_allowed"


async def test_a_foreign_host_cannot_submit_or_open_a_socket(api: Api) -> None:
    response = await api.client.post(
        "/v1/jobs",
        data={"kind": "receipt"},
        files={"file": ("r.jpg", photo(size=(40, 30)), "image/jpeg")},
        headers={"Host": "attacker.example:8000", "Origin": "http://attacker.example:8000"},
    )
    async with Socket(api.app, "/v1/ws", {"host": "attacker.example:8000"}) as socket:
        code, message = await socket.refusal()

    assert response.status_code == 421
    await api.assert_nothing_stored()
    assert code == 4421
    assert message is not None
    assert message["code"] == "host_not_allowed"


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "127.0.0.1", "localhost:8000", "LOCALHOST", "[::1]:8000", "[::1]"]
)
async def test_loopback_hosts_are_answered(api: Api, host: str) -> None:
    response = await api.client.get("/v1/jobs", headers={"Host": host})

    assert response.status_code == 200, response.text


async def test_configured_hosts_are_answered(api_factory) -> None:
    async with api_factory(allowed_hosts=["Food.Example"]) as api:
        named = await api.client.get("/v1/jobs", headers={"Host": "food.example:443"})
        other = await api.client.get("/v1/jobs", headers={"Host": "other.example"})

    assert named.status_code == 200
    assert other.status_code == 421


async def test_with_a_key_any_host_is_answered_unless_hosts_are_configured(api_factory) -> None:
    async with api_factory(secret_key=SECRET) as api:
        open_ = await api.client.get("/v1/jobs", headers={"Host": "api.example", **api.auth("a")})
    async with api_factory(secret_key=SECRET, allowed_hosts=["food.example"]) as api:
        listed = await api.client.get("/v1/jobs", headers={"Host": "food.example", **api.auth("a")})
        other = await api.client.get("/v1/jobs", headers={"Host": "api.example", **api.auth("a")})

    assert open_.status_code == 200
    assert listed.status_code == 200
    assert other.status_code == 421


CROSS_SITE = [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:9999"},  # another port of the same host is another origin
    {"Origin": "http://localhost:8000"},  # another name for this server is another origin too
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: " ".join(h.values()))
async def test_a_cross_site_submit_is_refused_and_stores_nothing(
    api: Api, headers: dict[str, str]
) -> None:
    response = await api.submit(photo(size=(40, 30)), headers=headers)

    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "cross_site_request"
    await api.assert_nothing_stored()


async def test_cross_site_retry_cancel_and_ticket_are_refused(api: Api) -> None:
    job_id = await _job(api)
    evil = {"Origin": EVIL}

    cancel = await api.client.delete(f"/v1/jobs/{job_id}", headers=evil)
    retry = await api.client.post(f"/v1/jobs/{job_id}/retry", headers=evil)
    ticket = await api.client.post(
        "/v1/events/tickets", content=b"{}", headers={**evil, "Content-Type": "text/plain"}
    )
    state = (await api.client.get(f"/v1/jobs/{job_id}")).json()["status"]

    assert [cancel.status_code, retry.status_code, ticket.status_code] == [403, 403, 403]
    assert {r.json()["code"] for r in (cancel, retry, ticket)} == {"cross_site_request"}
    assert state == "queued"  # the cancel did nothing


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, the Python client: no Origin, no Sec-Fetch-Site
        {"Origin": "http://127.0.0.1:8000"},
        {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar
    ],
    ids=["no-browser", "own-origin", "own-origin-fetch", "same-origin", "none"],
)
async def test_the_servers_own_page_and_other_clients_may_submit(
    api: Api, headers: dict[str, str]
) -> None:
    response = await api.submit(photo(size=(40, 30)), headers=headers)

    assert response.status_code == 202, response.text


async def test_a_configured_origin_may_submit(api_factory) -> None:
    async with api_factory(allowed_origins=["https://food.example"]) as api:
        listed = await api.submit(photo(size=(40, 30)), headers={"Origin": "https://food.example"})
        other = await api.submit(photo(size=(41, 30)), headers={"Origin": "https://x.example"})

    assert listed.status_code == 202
    assert other.status_code == 403


async def test_reads_from_another_site_are_not_refused(api: Api) -> None:
    # A cross-site page cannot read the answer (no CORS); the Host check covers rebinding.
    response = await api.client.get("/v1/jobs", headers={"Origin": EVIL})

    assert response.status_code == 200


async def test_a_cross_site_websocket_is_closed_before_any_event(api: Api) -> None:
    await _job(api)  # an event the socket would replay

    async with Socket(api.app, "/v1/ws", {"origin": EVIL}) as socket:
        code, message = await socket.refusal()
    async with Socket(api.app, "/v1/ws", {"origin": "http://127.0.0.1:8000"}) as own:
        first = await own.next()

    assert code == 4403
    assert message == {
        "type": "error",
        "code": "cross_site_request",
        "message": f"requests from pages of {EVIL} are not accepted here",
    }
    assert first is not None
    assert first["type"] == "job.queued"


async def test_with_a_key_a_foreign_origin_is_not_checked(secured_api: Api) -> None:
    # The token is what a foreign page cannot have; no CORS lets it read an answer either.
    response = await secured_api.submit(
        photo(size=(40, 30)), headers={"Origin": EVIL, **secured_api.auth("alice")}
    )

    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("[::1]:8000", ("::1", 8000)),
        ("LocalHost", ("localhost", None)),
        ("a:b", None),
        ("x/y", None),
        ("u@x", None),
        ("", None),
    ],
)
def test_host_values_are_split_or_refused(value: str, expected: object) -> None:
    assert split_host(value) == expected
