"""The OpenAPI document with each kind's result schema.

A job's ``result`` is stored as JSON and served as it was saved, so ``JobOut.result`` is a
plain object to FastAPI. The schemas clients build on are the pipelines' result models (one
pydantic definition each, ``pipelines/registry.py``): this module adds them to the document's
components and describes ``result`` as one of them, keyed by the job's ``kind``. It also adds
``Problem``, the schema every error response refers to (``api/problems.py``), and puts the
routes' examples (``api/examples.py``) back as written: FastAPI drops every ``null`` from the
document, the examples' own included.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from foodscan.api import examples
from foodscan.api.problems import Problem
from foodscan.pipelines import registry

_REF = "#/components/schemas/{model}"


def _result_schemas() -> tuple[dict[str, str], dict[str, Any]]:  # Any: JSON Schema
    """(kind → schema name, the schemas and everything they refer to, ``Problem`` too)."""
    pipelines = [registry.get(kind) for kind in registry.kinds()]
    mode: Literal["serialization"] = "serialization"
    models = [(p.result_model, mode) for p in pipelines]
    models.append((Problem, mode))
    _, document = models_json_schema(models, ref_template=_REF)
    names = {p.kind: p.result_model.__name__ for p in pipelines}
    return names, document.get("$defs", {})


def _restore_examples(document: dict[str, Any]) -> None:
    """Put each named example back with its ``null`` values (``get_openapi`` drops them)."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            bodies = [*operation.get("responses", {}).values(), operation.get("requestBody", {})]
            for body in bodies:
                for media in body.get("content", {}).values():
                    for shown in media.get("examples", {}).values():
                        original = examples.SHOWN.get(shown.get("summary", ""))
                        if original is not None:
                            shown["value"] = copy.deepcopy(original)


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the result schemas (built once, on first request)."""

    def openapi() -> dict[str, Any]:  # Any: the OpenAPI document
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        _restore_examples(document)
        names, schemas = _result_schemas()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in schemas.items():
            components.setdefault(name, schema)
        job = components.get("JobOut", {}).get("properties", {})
        if "result" in job:
            kinds = ", ".join(f"`{kind}`: {name}" for kind, name in names.items())
            job["result"] = {
                "anyOf": [
                    *({"$ref": _REF.format(model=name)} for name in sorted(set(names.values()))),
                    {"type": "null"},
                ],
                "description": f"The job's result once it succeeded, by kind ({kinds})",
            }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
