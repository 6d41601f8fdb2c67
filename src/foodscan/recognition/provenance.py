"""Where each field of a result came from: the ``provenance`` and ``llm`` parts of every result.

``provenance`` maps a field's path (``merchant.name``, ``items[3].name``, ``products[0].brand``)
to the engine that produced its value (``rapidocr``, ``tesseract``, ``pdf-text``, ``rules``,
``schema.org``, ``zxing``, ``catalog``, ``taxonomy``, ``llm:<model>``) and the pipeline step
that set it. ``attribute`` builds it for every non-null field of a finished result. ``llm`` is
what the job spent on the vision-LLM. This module owns the models and the walk; which engine
read what is the pipelines' knowledge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, Field

_INDEX = re.compile(r"\[\d+\]")


class Source(BaseModel):
    """The engine that produced a field's value and the pipeline step that set it."""

    engine: str = Field(description="rapidocr, tesseract, pdf-text, rules, llm:<model>, …")
    step: str = Field(description="The pipeline step that set the value")


Provenance = dict[str, Source]
PROVENANCE_DESCRIPTION = (
    "Per non-null field path ('merchant.name', 'items[3].name', 'products[0].brand'): the "
    "engine that produced the value and the step that set it"
)


class LlmUsage(BaseModel):
    """What one job spent on the vision-LLM."""

    model: str
    calls: int = Field(description="Chat-completion requests answered (repairs included)")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = Field(
        description="From the configured prices per million tokens; null when none are set"
    )


def field_paths(model: BaseModel, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """The path of every non-null, non-empty leaf of ``model``; top-level ``skip`` names are
    left out. Lists of models are walked per item; lists of plain values and mappings are one
    leaf each."""
    yield from _walk(model, "", skip)


def _walk(model: BaseModel, prefix: str, skip: frozenset[str]) -> Iterator[str]:
    for name in type(model).model_fields:
        if name in skip:
            continue
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from _walk(value, f"{path}.", frozenset())
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for index, item in enumerate(value):
                yield from _walk(item, f"{path}[{index}].", frozenset())
        elif value is not None and value not in ("", [], {}):
            yield path


def sourced(result: BaseModel, fields: Mapping[str, Source], prefix: str = "") -> Provenance:
    """Every non-null path of ``result`` under the named top-level ``fields``, with that field's
    source; ``prefix`` is where ``result`` sits in the whole result (``products[2].``)."""
    out: Provenance = {}
    for path in field_paths(result):
        head = re.split(r"[.\[]", path, maxsplit=1)[0]
        if head in fields:
            out[prefix + path] = fields[head]
    return out


def generic(path: str) -> str:
    """The path without its list indexes: ``items[3].name`` → ``items[].name``."""
    return _INDEX.sub("[]", path)


def attribute(
    result: BaseModel,
    *,
    default: Source,
    rules: Mapping[str, Source] = {},
    known: Mapping[str, Source] = {},
    skip: frozenset[str] = frozenset(),
) -> Provenance:
    """The provenance of every non-null field of ``result``.

    For each path, the first that applies: ``known`` (exact paths, e.g. what the LLM supplied),
    ``rules`` by generic path (``items[].size.value``), then by the name of each field on the
    path from the leaf up (``value``, ``size``, ``items``), then ``default``.
    """
    out: Provenance = {}
    for path in field_paths(result, skip):
        plain = generic(path)
        names = [name.removesuffix("[]") for name in reversed(plain.split("."))]
        found = known.get(path) or rules.get(plain)
        found = found or next((rules[name] for name in names if name in rules), None)
        out[path] = found or default
    return out
