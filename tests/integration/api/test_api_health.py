"""/healthz and /readyz: liveness always; readiness needs the database and a live worker; its
details (workers, queue) only for the clients /metrics answers."""

from __future__ import annotations

import httpx

from foodscan.db.engine import create_engine
from foodscan.recognition.reading.engines import readable_languages
from tests.integration.api.support import SECRET, Api


async def test_healthz_is_ok_without_a_token(secured_api: Api) -> None:
    response = await secured_api.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_503_without_a_live_worker(api: Api, receipt_image) -> None:
    await api.submit(receipt_image())

    response = await api.client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["workers"] == 0
    assert body["queue_depth"] == {"paid": 1, "free": 0}
    assert "worker" in body["reason"]


async def test_readyz_is_200_once_a_worker_heartbeats(secured_api: Api, receipt_image) -> None:
    await secured_api.submit(receipt_image(seed=1), headers=secured_api.auth("a", "free"))
    await secured_api.submit(receipt_image(seed=2), headers=secured_api.auth("b", "free"))
    queue = secured_api.queue("w-1")
    await queue.register(["receipt"], concurrency=2)
    lease = await queue.claim(["receipt"])
    assert lease is not None

    response = await secured_api.client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    (worker,) = body.pop("worker_list")
    assert worker["heartbeat_age_s"] < 5
    assert (worker["id"], worker["concurrency"], worker["running"]) == ("w-1", 2, 1)
    assert worker["kinds"] == ["receipt"]
    assert body == {
        "status": "ok",
        "database": "ok",
        "workers": 1,
        "queue_depth": {"paid": 0, "free": 1},
        "running": {"paid": 0, "free": 1},
        "finished": {"1m": 0, "5m": 0, "15m": 0},
        "ocr_languages": sorted(readable_languages()),
        "reason": None,
    }
    assert {"en", "pl"} <= set(body["ocr_languages"])


async def test_readyz_counts_the_jobs_finished_lately(api: Api, receipt_image) -> None:
    await api.submit(receipt_image())
    queue = api.queue("w-1")
    await queue.register(["receipt"], concurrency=1)
    lease = await queue.claim(["receipt"])
    assert lease is not None
    await queue.succeed(lease, {"lines": []})

    body = (await api.client.get("/readyz")).json()

    assert body["finished"] == {"1m": 1, "5m": 1, "15m": 1}
    assert body["worker_list"][0]["running"] == 0


async def test_readyz_is_503_when_the_database_does_not_answer(api: Api) -> None:
    working = api.app.state.engine
    # Port 1 on loopback: nothing listens there, so every connection is refused.
    api.app.state.engine = create_engine("postgresql://postgres@127.0.0.1:1/foodscan")
    try:
        response = await api.client.get("/readyz")
    finally:
        await api.app.state.engine.dispose()
        api.app.state.engine = working

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["workers"]) == ("unavailable", "unreachable", 0)
    assert body["reason"]


async def _ready_with_a_worker(api: Api, client: tuple[str, int], **headers: str) -> httpx.Response:
    queue = api.queue("w-1")
    await queue.register(["receipt"], concurrency=2)
    transport = httpx.ASGITransport(app=api.app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as remote:
        return await remote.get("/readyz", headers=headers)


BARE = {"status": "ok", "database": "ok", "reason": None}


async def test_readyz_is_bare_to_a_client_off_loopback(secured_api: Api) -> None:
    # Issue 15, item 16: hosts, PIDs and counts were shown to anyone, a key set or not.
    response = await _ready_with_a_worker(secured_api, ("203.0.113.9", 40000))

    assert response.status_code == 200
    assert response.json() == BARE


async def test_readyz_details_follow_the_metrics_token(api_factory) -> None:
    async with api_factory(secret_key=SECRET, metrics_token="scrape-" + "x" * 20) as api:
        local = await _ready_with_a_worker(api, ("127.0.0.1", 40000))
        user = await _ready_with_a_worker(api, ("203.0.113.9", 40000), **api.auth("alice"))
        scraper = await _ready_with_a_worker(
            api, ("203.0.113.9", 40000), Authorization="Bearer scrape-" + "x" * 20
        )

    assert local.json() == BARE  # with a token, loopback alone is not enough (as for /metrics)
    assert user.json() == BARE  # a user's token is not the metrics token
    assert scraper.json()["worker_list"][0]["id"] == "w-1"
    assert scraper.json()["workers"] == 1


async def test_a_bare_readyz_still_says_503(api: Api) -> None:
    transport = httpx.ASGITransport(app=api.app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as remote:
        response = await remote.get("/readyz")

    assert response.status_code == 503
    assert set(response.json()) == {"status", "database", "reason"}
    assert response.json()["status"] == "unavailable"
