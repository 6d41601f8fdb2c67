"""/healthz and /readyz: liveness always; readiness needs the database and a live worker."""

from __future__ import annotations

from foodscan.db.engine import create_engine
from foodscan.recognition.reading.engines import readable_languages
from tests.integration.api.support import Api


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
