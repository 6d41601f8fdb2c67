"""Fuzzing the served OpenAPI spec with schemathesis, on both engines: every operation, with a
valid token, gets generated requests (valid and invalid); none may answer 5xx, and every answer
must match the spec (status code declared, content type, body schema).

The app is served by uvicorn on a loopback port in a thread, with its lifespan run, as in
production. The two SSE operations are left out: their answer never ends (the authorization
matrix and the SSE suite cover them). ``FOODSCAN_TEST_FUZZ_EXAMPLES`` sets the examples per
operation (CI: 20; a long run by hand: 500).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Ok
from schemathesis.specs.openapi import checks as openapi_checks

from foodscan.auth import mint_token
from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import SECRET

EXAMPLES = int(os.environ.get("FOODSCAN_TEST_FUZZ_EXAMPLES", "20"))
START_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 10.0
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """The app under uvicorn in a thread of its own (its own event loop), on a loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        config = uvicorn.Config(
            create_app(settings, run_worker=False),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="fuzzed-api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            assert self.thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)  # polling a thread's flag: there is no event to await across loops
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(START_TIMEOUT_S)


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=SECRET)
    with Served(settings) as running:
        yield running


@pytest.fixture
def token(served: Served) -> str:
    return mint_token(Settings(secret_key=SECRET), "fuzzer", "paid")


def _operations() -> list[schemathesis.APIOperation]:
    # The spec as the app serves it (``/openapi.json`` is ``app.openapi()``); building the app
    # does no I/O, so the operations are known at collection and each is a test of its own.
    app = create_app(Settings(secret_key=SECRET), run_worker=False)
    schema = schemathesis.openapi.from_dict(app.openapi())
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the served spec is invalid: {result}"
        found.append(result.ok())
    return [op for op in found if not (op.method.upper() == "GET" and op.path.endswith("/events"))]


OPERATIONS = _operations()


def _takes_input(operation: schemathesis.APIOperation) -> bool:
    return any(True for _ in operation.iter_parameters()) or bool(operation.body)


# Invalid requests only where there is an input to make invalid.
CASES = [
    pytest.param(op, mode, id=f"{op.label}-{mode.value}")
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _takes_input(op)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_no_operation_answers_5xx_or_off_spec(
    served: Served, token: str, operation: schemathesis.APIOperation, mode: GenerationMode
) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=served.url,
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
            # No worker runs here, so /readyz answers its documented 503; the spec checks stay.
            excluded_checks=[checks.not_a_server_error] if operation.path == "/readyz" else [],
            timeout=REQUEST_TIMEOUT_S,
        )

    fuzz()
