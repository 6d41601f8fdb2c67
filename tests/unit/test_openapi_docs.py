"""The OpenAPI document (``/openapi.json``, shown at ``/docs``) documents every error and example.

Each operation lists the error responses it can answer, each as a problem document with one
example per code; every code shown exists in ``foodscan.errors``; every operation shows examples
of its answers (and of its request body); and each example is valid against its own schema, so
the examples cannot drift from the models. Building the app does no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from foodscan import errors
from foodscan.api.problems import MEDIA_TYPE, TYPE_PREFIX
from foodscan.client.models import Event
from foodscan.pipelines import registry
from foodscan.serve import create_app
from foodscan.settings import Settings

Document = dict[str, Any]  # Any: the OpenAPI document's JSON
PROBLEM_REF = "#/components/schemas/Problem"
# The error statuses each operation can answer, and the codes that must be among them.
ERRORS: dict[tuple[str, str], dict[int, set[str]]] = {
    ("post", "/v1/jobs"): {
        401: {"unauthorized"},
        403: {"cross_site_request"},
        409: {"idempotency_conflict"},
        413: {"too_large"},
        415: {"unsupported_type"},
        422: {
            "invalid_input",
            "too_many",
            "language_unavailable",
            "invalid_callback_url",
            "webhooks_unavailable",
        },
        429: {"rate_limited", "quota_exceeded", "too_many_active_jobs"},
    },
    ("get", "/v1/jobs"): {401: {"unauthorized"}, 422: {"invalid_input"}},
    # A route with parameters may always answer 422 (FastAPI would document its own shape).
    ("get", "/v1/jobs/{job_id}"): {
        401: {"unauthorized"},
        404: {"not_found"},
        422: {"invalid_input"},
    },
    ("delete", "/v1/jobs/{job_id}"): {
        401: {"unauthorized"},
        403: {"cross_site_request"},
        404: {"not_found"},
        409: {"invalid_transition"},
        422: {"invalid_input"},
    },
    ("post", "/v1/jobs/{job_id}/retry"): {
        401: {"unauthorized"},
        403: {"cross_site_request"},
        404: {"not_found"},
        409: {"invalid_transition"},
        422: {"invalid_input"},
        429: {"rate_limited", "too_many_active_jobs"},
    },
    ("post", "/v1/jobs/{job_id}/rescan"): {
        401: {"unauthorized"},
        403: {"cross_site_request"},
        404: {"not_found"},
        409: {"invalid_transition", "idempotency_conflict"},
        410: {"inputs_purged"},
        422: {
            "invalid_input",
            "language_unavailable",
            "invalid_callback_url",
            "webhooks_unavailable",
        },
        429: {"rate_limited", "quota_exceeded", "too_many_active_jobs"},
    },
    ("get", "/v1/jobs/{job_id}/events"): {
        401: {"unauthorized"},
        404: {"not_found"},
        422: {"invalid_input"},
    },
    ("get", "/v1/jobs/{job_id}/inputs/{n}/preview"): {
        401: {"unauthorized"},
        404: {"not_found"},
        415: {"unsupported_type"},
        422: {"invalid_input"},
    },
    ("get", "/v1/events"): {401: {"unauthorized"}, 422: {"invalid_input"}},
    ("post", "/v1/events/tickets"): {
        401: {"unauthorized"},
        403: {"cross_site_request"},
        404: {"not_found"},
        422: {"invalid_input"},
        429: {"rate_limited"},
    },
    ("get", "/metrics"): {401: {"unauthorized"}},
    ("get", "/readyz"): {503: set()},  # a Readiness body, not a problem
    ("get", "/healthz"): {},
}
NOT_PROBLEMS = {("get", "/readyz", 503)}


@pytest.fixture(scope="module")
def document() -> Document:
    return create_app(Settings(), run_worker=False).openapi()


def operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def error_codes() -> set[str]:
    """Every code of the exception tree in ``foodscan/errors.py``."""
    found: set[str] = set()
    todo: list[type[errors.FoodscanError]] = [errors.FoodscanError]
    while todo:
        error = todo.pop()
        found.add(error.code)
        todo.extend(error.__subclasses__())
    return found


def examples_of(media: dict[str, Any]) -> list[Any]:  # Any: JSON values
    named = [example["value"] for example in media.get("examples", {}).values()]
    return named + ([media["example"]] if "example" in media else [])


def validator(document: Document, schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` whose ``#/components/...`` references resolve in ``document``."""
    return Draft202012Validator({**schema, "components": document["components"]})


def test_every_operation_is_in_the_error_table(document: Document) -> None:
    served = {(method, path) for method, path, _ in operations(document)}
    assert served == set(ERRORS), "add the new operation's errors to ERRORS (and document them)"


@pytest.mark.parametrize(("operation", "expected"), ERRORS.items(), ids=str)
def test_each_operation_documents_the_errors_it_can_answer(
    document: Document, operation: tuple[str, str], expected: dict[int, set[str]]
) -> None:
    method, path = operation
    responses = document["paths"][path][method]["responses"]
    documented = {int(status) for status in responses if int(status) >= 400}

    assert documented == set(expected), f"{method.upper()} {path}"
    for status, codes in expected.items():
        if (method, path, status) in NOT_PROBLEMS:
            continue
        media = responses[str(status)]["content"][MEDIA_TYPE]
        assert {example["code"] for example in examples_of(media)} >= codes, status


def test_every_error_response_is_a_problem_with_an_example_per_code(document: Document) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (method, path, int(status)) in NOT_PROBLEMS:
                continue
            where = f"{method.upper()} {path} {status}"
            assert list(response["content"]) == [MEDIA_TYPE], where
            media = response["content"][MEDIA_TYPE]
            assert media["schema"] == {"$ref": PROBLEM_REF}, where
            shown = examples_of(media)
            assert shown, f"{where} has no example"
            for body in shown:
                assert body["status"] == int(status), where
                assert body["type"] == TYPE_PREFIX + body["code"], where
                assert f"`{body['code']}`" in response["description"], where
            if int(status) == 429:
                assert "Retry-After" in response["headers"], where
                assert all(body["retry_after"] >= 1 for body in shown), where


def test_every_documented_error_code_exists_in_errors_py(document: Document) -> None:
    known = error_codes()
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(MEDIA_TYPE)
            for body in examples_of(media) if media else []:
                assert body["code"] in known, f"{method.upper()} {path} {status}: {body['code']}"


def test_every_answer_and_request_body_has_examples(document: Document) -> None:
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}"
        answers = {s: r for s, r in operation["responses"].items() if int(s) < 400}
        assert answers, where
        for status, response in answers.items():
            for media_type, media in response["content"].items():
                assert examples_of(media), f"{where} {status} {media_type} has no example"
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            assert examples_of(media), f"{where}: the {media_type} request has no example"


def test_every_json_example_is_valid_against_its_schema(document: Document) -> None:
    checked = 0
    for method, path, operation in operations(document):
        bodies = [(s, r.get("content", {})) for s, r in operation["responses"].items()]
        bodies.append(("request", operation.get("requestBody", {}).get("content", {})))
        for status, content in bodies:
            for media_type, media in content.items():
                if "schema" not in media or media_type == "text/event-stream":
                    continue
                check = validator(document, media["schema"])
                for body in examples_of(media):
                    problems = [e.message for e in check.iter_errors(body)]
                    assert not problems, f"{method.upper()} {path} {status}: {problems}"
                    checked += 1
    assert checked > 40


def test_there_is_a_job_example_of_every_kind_with_a_valid_result(document: Document) -> None:
    media = document["paths"]["/v1/jobs/{job_id}"]["get"]["responses"]["200"]["content"]
    jobs = examples_of(media["application/json"])
    succeeded = {job["kind"]: job for job in jobs if job["status"] == "succeeded"}

    assert set(succeeded) == set(registry.kinds())
    for kind, job in succeeded.items():
        registry.get(kind).result_model.model_validate(job["result"])
    assert {job["status"] for job in jobs} >= {"queued", "failed", "succeeded"}


def test_the_submit_examples_cover_every_kind_and_several_product_photos(
    document: Document,
) -> None:
    body = document["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
    shown = examples_of(body["multipart/form-data"])

    assert {form["kind"] for form in shown} == set(registry.kinds())
    assert any(form["kind"] == "products" and len(form["file"]) > 1 for form in shown)


@pytest.mark.parametrize("path", ["/v1/jobs/{job_id}/events", "/v1/events"])
def test_the_event_stream_examples_are_frames_clients_parse(document: Document, path: str) -> None:
    media = document["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]
    types = set()
    for stream in examples_of(media):
        for frame in stream.strip().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in frame.splitlines())
            if "data" not in fields:
                continue  # the retry: frame, a heartbeat comment
            event = Event.model_validate_json(fields["data"])
            assert next(iter(json.loads(fields["data"]))) == "type"
            assert str(event.id) == fields["id"]
            types.add(event.type)
    assert types == {
        "job.queued",
        "job.started",
        "job.progress",
        "job.retrying",
        "job.succeeded",
        "job.failed",
        "job.cancelled",
    }
