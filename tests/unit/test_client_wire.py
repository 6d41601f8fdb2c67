"""The client's own wire models match the server's ``/openapi.json``: the same fields, the same
required ones, for every model the client reads."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from foodscan.client import models
from foodscan.serve import create_app
from foodscan.settings import Settings

WIRE: list[type[BaseModel]] = [
    models.Links,
    models.InputFileOut,
    models.JobErrorOut,
    models.WebhookAttemptOut,
    models.WebhookDeliveryOut,
    models.WebhookOut,
    models.ResultSummary,
    models.JobSummary,
    models.JobOut,
    models.Submitted,
    models.Rescanned,
    models.JobPage,
    models.FullJobPage,
    models.WorkerOut,
    models.Readiness,
    models.Keeps,
    models.AfterOpening,
    models.UseBy,
]


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:  # Any: JSON Schema objects
    spec = create_app(Settings(), run_worker=False).openapi()
    found: dict[str, Any] = spec["components"]["schemas"]
    return found


@pytest.mark.parametrize("model", WIRE, ids=lambda m: m.__name__)
def test_a_client_model_has_the_servers_fields_and_required_ones(
    model: type[BaseModel], components: dict[str, Any]
) -> None:
    server = components[model.__name__]
    client = model.model_json_schema()

    assert set(client["properties"]) == set(server["properties"])
    assert set(client.get("required", [])) == set(server.get("required", []))


def test_the_client_knows_every_status_the_server_sends(components: dict[str, Any]) -> None:
    assert {s.value for s in models.Status} == set(components["Status"]["enum"])
