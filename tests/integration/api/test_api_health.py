"""/healthz and /readyz: liveness always; readiness needs the database and a live worker."""

from __future__ import annotations

from foodscan.db.engine import create_engine
from foodscan.recognition.engines import readable_languages
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
    await secured_api.queue("w-1").register(["receipt"], concurrency=2)

    response = await secured_api.client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "workers": 1,
        "queue_depth": {"paid": 0, "free": 2},
        "ocr_languages": sorted(readable_languages()),
        "reason": None,
    }
    assert {"en", "pl"} <= set(response.json()["ocr_languages"])


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
