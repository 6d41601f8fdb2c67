"""The authorization matrix, on both engines, with a secret key configured: every endpoint the
app serves (read from its routes, so a new one is covered the day it is added) against every
kind of bad credential, and another user's valid token against every resource of a user.

A protected endpoint answers a bad credential 401 (``unauthorized``, problem+json) or, over the
WebSocket, closes with 4401; another user's job is 404 everywhere, over SSE and the WebSocket
too; the user stream never carries another user's events, neither replayed nor live. Only the
routes in ``PUBLIC`` (and ``/metrics``, which has its own rule) answer without a user token.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import warnings
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, routing
from jwt.warnings import InsecureKeyLengthWarning
from starlette.routing import WebSocketRoute

from tests.integration.api.conftest import ApiFactory
from tests.integration.api.hostile import photo
from tests.integration.api.support import SECRET, WAIT_S, Api, Frame, Stream, parse_frames

# Answer without a user token, by design. Anything not listed here (or METRICS) is protected.
PUBLIC = frozenset(
    {
        "/",
        "/web/{name}",
        "/healthz",
        "/readyz",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
    }
)
METRICS = "/metrics"  # a scrape token or loopback, never a user token: tested on its own
FAR = 2**40
# A stream that should have ended but did not fails here, not at the suite's 300 s.
pytestmark = pytest.mark.timeout(60)
NO_SUCH_JOB = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str  # "WS" for a WebSocket route

    @property
    def streams(self) -> bool:
        return self.path.endswith("/events")

    def url(self, job_id: str) -> str:
        # Every path parameter gets a real id of the victim's, so a bypass would leak data.
        path = re.sub(r"\{job_id\}", job_id, self.path).replace("{n}", "0")
        return path.replace("{", "").replace("}", "")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _routes(app: FastAPI) -> Iterator[Any]:  # Any: Starlette routes or FastAPI route contexts
    # FastAPI >= 0.16x keeps included routers lazily; ``iter_route_contexts`` flattens them.
    flatten = getattr(routing, "iter_route_contexts", None)
    yield from (flatten(app.routes) if flatten is not None else app.routes)


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (path, method) the app serves, WebSockets as method ``WS``."""
    found = []
    for route in _routes(app):
        original = getattr(route, "original_route", route)
        if isinstance(original, WebSocketRoute | routing.APIWebSocketRoute):
            found.append(Endpoint(route.path, "WS"))
            continue
        found += [Endpoint(route.path, m) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


def protected(app: FastAPI) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.path not in PUBLIC and e.path != METRICS]


# ---- credentials --------------------------------------------------------------------------------


def _claims(**overrides: Any) -> dict[str, Any]:  # Any: JWT claims
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "alice", "plan": "free", "iat": now, "exp": now + 3600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _rsa_signed() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(), key, algorithm="RS256")


def _hs512() -> str:
    # Signed with the server's own key, by an algorithm it does not accept.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # the key is sized for HS256
        return jwt.encode(_claims(), SECRET, algorithm="HS512")


def _unsigned() -> str:
    return jwt.encode(_claims(), "", algorithm="none")


def _none_alg_with_signature() -> str:
    # ``alg: none`` in the header, yet the HS256 signature of the real key appended.
    _, payload, signature = jwt.encode(_claims(), SECRET, algorithm="HS256").split(".")
    forged = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{forged.decode()}.{payload}.{signature}"


BAD_HEADERS: dict[str, Any] = {  # Any: a header value or a function making one
    "no-token": None,
    "expired": lambda: "Bearer " + jwt.encode(_claims(exp=int(time.time()) - 5), SECRET),
    "bad-signature": lambda: "Bearer " + jwt.encode(_claims(), "another-key-" + "x" * 40),
    "alg-none": lambda: "Bearer " + _unsigned(),
    "alg-none-with-signature": lambda: "Bearer " + _none_alg_with_signature(),
    "hs512-right-key": lambda: "Bearer " + _hs512(),
    "rs256": lambda: "Bearer " + _rsa_signed(),
    "no-sub": lambda: "Bearer " + jwt.encode(_claims(sub=None), SECRET),
    "empty-sub": lambda: "Bearer " + jwt.encode(_claims(sub=""), SECRET),
    "numeric-sub": lambda: "Bearer " + jwt.encode(_claims(sub=42), SECRET),
    "sub-of-201-chars": lambda: "Bearer " + jwt.encode(_claims(sub="a" * 201), SECRET),
    "sub-with-nul": lambda: "Bearer " + jwt.encode(_claims(sub="ali\x00ce"), SECRET),
    "bad-plan": lambda: "Bearer " + jwt.encode(_claims(plan="gold"), SECRET),
    "no-plan": lambda: "Bearer " + jwt.encode(_claims(plan=None), SECRET),
    "no-exp": lambda: "Bearer " + jwt.encode(_claims(exp=None), SECRET),
    "not-yet-valid": lambda: "Bearer " + jwt.encode(_claims(nbf=FAR), SECRET),
    "garbage": lambda: "Bearer not.a.token",
    "basic-scheme": lambda: "Basic YWxpY2U6cHc=",
    "bearer-without-token": lambda: "Bearer ",
    "raw-token-without-scheme": lambda: jwt.encode(_claims(), SECRET),  # valid, but no 'Bearer '
    "forged-ticket": lambda: "ticket:" + "A" * 43,
}


def credential(name: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query parameters that present the credential ``name``."""
    make = BAD_HEADERS[name]
    value = make() if make is not None else None
    if value is None:
        return {}, {}
    if value.startswith("ticket:"):
        return {}, {"ticket": value.removeprefix("ticket:")}
    return {"Authorization": value}, {}


# ---- raw ASGI calls: streams must not hang, and the WebSocket has no httpx client ---------------


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    close_code: int | None = None  # WebSocket only

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


async def call(
    app: FastAPI, endpoint: Endpoint, url: str, headers: dict[str, str], query: dict[str, str]
) -> Answer:
    """One request; a stream that opens is read for its first chunk, then disconnected."""
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    full = f"{url}?{qs}" if qs else url
    if endpoint.method == "WS":
        return await _socket(app, full, headers)
    stream = Stream(app, full, headers)
    stream.scope["method"] = endpoint.method
    await stream.start()
    content_type = stream.headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        first = await stream.next() or b""
        await stream.disconnect()
        return Answer(stream.status or 0, content_type, first)
    body = b""
    while (chunk := await stream.next()) is not None:
        body += chunk
    await stream.finished()
    return Answer(stream.status or 0, content_type, body)


async def _socket(app: FastAPI, url: str, headers: dict[str, str]) -> Answer:
    """A WebSocket handshake: the messages until the app closes it, or its first event."""
    path, _, query = url.partition("?")
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50001),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
    }
    sent: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    leave = asyncio.Event()
    connected = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        await leave.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: MutableMapping[str, Any]) -> None:
        await sent.put(message)

    task = asyncio.create_task(app(scope, receive, send))
    texts: list[str] = []
    close_code: int | None = None
    accepted = False
    while True:
        message = await asyncio.wait_for(sent.get(), WAIT_S)
        if message["type"] == "websocket.accept":
            accepted = True
        elif message["type"] == "websocket.send":
            texts.append(message.get("text") or "")
            if json.loads(texts[-1]).get("type") != "error":
                break  # an event: the socket is open and streaming
        elif message["type"] == "websocket.close":
            close_code = message.get("code", 1000)
            break
    leave.set()
    await asyncio.wait_for(task, WAIT_S)
    status = 101 if accepted else 403
    if close_code is not None and close_code >= 4000:
        status = close_code - 4000
    return Answer(status, "websocket", "\n".join(texts).encode(), close_code)


# ---- fixtures -----------------------------------------------------------------------------------


async def submit(api: Api, user: str, seed: int) -> str:
    response = await api.submit(photo(size=(40 + seed, 30)), headers=api.auth(user, "free"))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def assert_refused(answer: Answer, endpoint: Endpoint, status: int, code: str) -> None:
    where = f"{endpoint}: {answer.status} {answer.text[:200]}"
    assert answer.status == status, where
    if endpoint.method == "WS":
        assert answer.close_code == 4000 + status, where
        message = json.loads(answer.text)
        assert (message["type"], message["code"]) == ("error", code), where
        return
    assert answer.content_type == "application/problem+json", where
    assert json.loads(answer.body)["code"] == code, where


# ---- the matrix ---------------------------------------------------------------------------------


def test_every_route_is_public_by_name_or_protected(secured_api: Api) -> None:
    """The allow-list names only routes that exist, and the protected set is not empty."""
    paths = {e.path for e in endpoints(secured_api.app)}

    assert paths >= PUBLIC | {METRICS}, sorted(PUBLIC - paths)
    names = {str(e) for e in protected(secured_api.app)}
    assert {
        "POST /v1/jobs",
        "GET /v1/jobs/{job_id}",
        "POST /v1/jobs/{job_id}/rescan",
        "GET /v1/events",
    } <= names
    assert "WS /v1/ws" in names or not any(e.method == "WS" for e in endpoints(secured_api.app))


@pytest.mark.parametrize("name", BAD_HEADERS)
async def test_a_bad_credential_is_401_on_every_protected_endpoint(
    secured_api: Api, name: str
) -> None:
    job_id = await submit(secured_api, "alice", 1)
    headers, query = credential(name)

    for endpoint in protected(secured_api.app):
        answer = await call(secured_api.app, endpoint, endpoint.url(job_id), headers, query)
        assert_refused(answer, endpoint, 401, "unauthorized")
        assert job_id not in answer.text, f"{endpoint} leaked the job to {name}"

    job = await secured_api.client.get(f"/v1/jobs/{job_id}", headers=secured_api.auth("alice"))
    assert job.json()["status"] == "queued"
    assert (await secured_api.client.get("/healthz")).status_code == 200


async def test_a_valid_token_passes_every_protected_endpoint(secured_api: Api) -> None:
    """The control: the refusals above come from the credential, not from the request."""
    job_id = await submit(secured_api, "alice", 1)
    alice = secured_api.auth("alice", "free")

    for endpoint in protected(secured_api.app):
        answer = await call(secured_api.app, endpoint, endpoint.url(job_id), alice, {})
        assert answer.status not in (401, 403, 404), f"{endpoint}: {answer.text[:200]}"
        assert answer.status < 500, f"{endpoint}: {answer.text[:200]}"


async def test_another_users_token_gets_404_for_every_job_endpoint(secured_api: Api) -> None:
    job_id = await submit(secured_api, "alice", 1)
    bob = secured_api.auth("bob", "free")
    per_job = [e for e in protected(secured_api.app) if "{job_id}" in e.path]
    assert len(per_job) >= 4, per_job

    for endpoint in per_job:
        answer = await call(secured_api.app, endpoint, endpoint.url(job_id), bob, {})
        nobody = await call(secured_api.app, endpoint, endpoint.url(NO_SUCH_JOB), bob, {})
        assert_refused(answer, endpoint, 404, "not_found")
        # Indistinguishable from a job that does not exist: no oracle for other users' ids.
        assert answer.text.replace(job_id, NO_SUCH_JOB) == nobody.text, endpoint

    job = await secured_api.client.get(f"/v1/jobs/{job_id}", headers=secured_api.auth("alice"))
    assert job.json()["status"] == "queued", "bob's DELETE or retry reached alice's job"
    assert await secured_api.job_count() == 1, "bob's rescan made a job of alice's uploads"


async def test_another_users_job_id_is_404_over_the_websocket_and_tickets(
    secured_api: Api,
) -> None:
    job_id = await submit(secured_api, "alice", 1)
    bob = secured_api.auth("bob", "free")
    client = secured_api.client

    by_ticket = await client.post("/v1/events/tickets", json={"job_id": job_id}, headers=bob)
    socket = await _socket(secured_api.app, f"/v1/ws?job_id={job_id}", bob)
    bobs_ticket = (await client.post("/v1/events/tickets", headers=bob)).json()["ticket"]
    via_ticket = await call(
        secured_api.app,
        Endpoint("/v1/jobs/{job_id}/events", "GET"),
        f"/v1/jobs/{job_id}/events",
        {},
        {"ticket": bobs_ticket},
    )

    assert by_ticket.status_code == 404, by_ticket.text
    assert (socket.close_code, json.loads(socket.text)["code"]) == (4404, "not_found")
    assert via_ticket.status == 404, via_ticket.text
    answers = by_ticket.text + socket.text + via_ticket.text
    assert "sha256" not in answers
    assert "job.queued" not in answers


async def test_another_users_list_is_empty_whatever_the_filters(secured_api: Api) -> None:
    await submit(secured_api, "alice", 1)
    bob = secured_api.auth("bob", "free")

    for params in ({}, {"status": "queued"}, {"kind": "receipt"}, {"limit": "100"}):
        listed = await secured_api.client.get("/v1/jobs", params=params, headers=bob)
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"] == [], params


# ---- the user stream never carries another user's events ---------------------------------------


async def run_both(api: Api) -> None:
    """Claim every queued job and take it through progress to success: live events."""
    queue = api.queue()
    leases = []
    while (lease := await queue.claim(["receipt"])) is not None:
        leases.append(lease)
    assert len(leases) == 2
    for lease in leases:
        await queue.progress(lease, "ocr", 50, "Reading text")
    for lease in leases:
        await queue.succeed(lease, {"lines": []})


def events(frames: list[Frame]) -> list[dict[str, Any]]:
    return [f.event for f in frames if f.data is not None]


async def test_the_user_stream_carries_only_the_users_own_events(
    secured_api: Api, open_stream
) -> None:
    alices = await submit(secured_api, "alice", 1)
    bobs = await submit(secured_api, "bob", 2)
    app = secured_api.app
    bob_stream = await open_stream(app, "/v1/events", secured_api.auth("bob", "free"))
    alice_stream = await open_stream(app, "/v1/events", secured_api.auth("alice", "free"))
    replayed = await bob_stream.frames(2)  # retry, then bob's job.queued

    await run_both(secured_api)

    # Live: bob's stream reaches his own terminal event; alice's never appears before it.
    live: list[dict[str, Any]] = []
    while not any(e["type"] == "job.succeeded" for e in live):
        live += events(await bob_stream.frames(1))
    seen = events(replayed) + live
    assert {e["job_id"] for e in seen} == {bobs}
    assert [e["type"] for e in seen] == [
        "job.queued",
        "job.started",
        "job.progress",
        "job.succeeded",
    ]
    # The control: alice's stream does get her events.
    alice_seen: list[dict[str, Any]] = []
    while not any(e["type"] == "job.succeeded" for e in alice_seen):
        alice_seen += events(await alice_stream.frames(1))
    assert {e["job_id"] for e in alice_seen} == {alices}


async def test_a_cursor_inside_another_users_events_replays_only_ones_own(
    secured_api: Api,
) -> None:
    alices = await submit(secured_api, "alice", 1)
    bobs = await submit(secured_api, "bob", 2)
    await run_both(secured_api)
    later = await submit(secured_api, "bob", 3)  # so every cursor has a later event of bob's
    alice, bob = secured_api.auth("alice", "free"), secured_api.auth("bob", "free")
    alice_ids = [e["id"] for e in await job_events(secured_api, alices, alice)]
    queued = await Stream(secured_api.app, f"/v1/jobs/{later}/events", bob).start()
    bob_events = await job_events(secured_api, bobs, bob) + events(await queued.frames(2))
    await queued.disconnect()

    for cursor in [0, *alice_ids]:
        expected = [e for e in bob_events if e["id"] > cursor]
        stream = await Stream(
            secured_api.app, "/v1/events", {**bob, "Last-Event-ID": str(cursor)}
        ).start()
        replayed: list[dict[str, Any]] = []
        while len(replayed) < len(expected):
            replayed += events(await stream.frames(1))
        await stream.disconnect()
        assert replayed == expected, f"after {cursor}"


async def job_events(api: Api, job_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.client.get(f"/v1/jobs/{job_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    found = events(parse_frames(response.content))
    assert found
    return found


# ---- the public routes and /metrics' own rule -------------------------------------------------


async def test_the_public_routes_answer_without_a_token(secured_api: Api) -> None:
    for endpoint in endpoints(secured_api.app):
        if endpoint.path not in PUBLIC:
            continue
        url = endpoint.path.replace("{name}", "app.js")
        answer = await call(secured_api.app, endpoint, url, {}, {})
        # /readyz may be 503 (no worker runs here); never a demand for credentials.
        assert answer.status in (200, 503), f"{endpoint}: {answer.status} {answer.text[:200]}"


async def test_metrics_takes_the_scrape_token_never_a_user_token(api_factory: ApiFactory) -> None:
    scrape = "a-scrape-token-that-is-not-a-user-token"
    async with api_factory(secret_key=SECRET, metrics_token=scrape) as api:
        endpoint = Endpoint(METRICS, "GET")
        refused = [
            await call(api.app, endpoint, METRICS, headers, {})
            for headers in ({}, api.auth("alice", "paid"), {"Authorization": f"Bearer {SECRET}"})
        ]
        allowed = await call(api.app, endpoint, METRICS, {"Authorization": f"Bearer {scrape}"}, {})

    for answer in refused:
        assert_refused(answer, endpoint, 401, "unauthorized")
    assert allowed.status == 200, allowed.text


async def test_metrics_without_a_scrape_token_answer_loopback_only(secured_api: Api) -> None:
    endpoint = Endpoint(METRICS, "GET")
    remote = Stream(secured_api.app, METRICS, secured_api.auth("alice", "paid"))
    remote.scope["client"] = ("203.0.113.7", 40000)
    await remote.start()
    body = b""
    while (chunk := await remote.next()) is not None:
        body += chunk
    local = await call(secured_api.app, endpoint, METRICS, {}, {})

    assert remote.status == 401, body
    assert json.loads(body)["code"] == "unauthorized"
    assert local.status == 200, local.text
