"""Structured answers: the JSON schema of a result model as the request's ``response_format``, the
answer validated by that same model, and one repair turn when it does not validate.

``Shape.of(model, omit=…)`` is the model's own JSON schema with its references inlined, with
``additionalProperties: false`` and every property required on every object, so that it is
``strict`` (which OpenAI enforces while decoding) wherever the model allows it: a mapping field
(``dict[str, float]``) cannot be strict, and such a schema is sent non-strict. ``omit`` drops
fields the model must not supply (another step owns them) by object title; a dropped field
needs a default, or a value the caller passes as ``given`` when it parses the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from foodscan.errors import LlmInvalidAnswer
from foodscan.llm.client import LlmProvider
from foodscan.llm.usage import Usage

if TYPE_CHECKING:  # the openai package is the [llm] extra: its types only for mypy
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.shared_params import ResponseFormatJSONSchema

    from foodscan.llm.client import Messages

M = TypeVar("M", bound=BaseModel)
Schema = dict[str, Any]  # Any: JSON Schema
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_SHOWN_ERRORS = 8


@dataclass(frozen=True)
class Shape(Generic[M]):
    """A result model as the schema the model must answer in."""

    model: type[M]
    schema: Schema
    strict: bool

    @classmethod
    def of(
        cls,
        model: type[M],
        *,
        omit: Mapping[str, Iterable[str]] = {},
        given: Iterable[str] = (),
    ) -> Shape[M]:
        """``omit``: object title → fields left out; ``given``: the required top-level fields
        among them, which ``parse`` receives from the caller."""
        raw = model.model_json_schema()
        drop = {k: frozenset(v) for k, v in omit.items()}
        drop[raw["title"]] = drop.get(raw["title"], frozenset()) | frozenset(given)
        closer = _Closer(raw.get("$defs", {}), drop, frozenset(given))
        schema = closer.close(raw, top=True)
        return cls(model=model, schema=schema, strict=closer.strict)

    def response_format(self) -> ResponseFormatJSONSchema:
        return {
            "type": "json_schema",
            "json_schema": {
                "name": self.model.__name__,
                "schema": self.schema,
                "strict": self.strict,
            },
        }

    def parse(self, text: str | None, given: Mapping[str, Any] | None = None) -> M:
        """The answer as the model; ``ValueError`` (``ValidationError`` among them) if it is not
        one. ``given`` fills the top-level fields the model was not asked for."""
        if text is None:
            raise ValueError("the answer has no content (a refusal?)")
        fenced = _FENCE.match(text)
        body = fenced.group(1) if fenced else text
        if not given:
            return self.model.model_validate_json(body)
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
        return self.model.model_validate({**data, **given})


class _Closer:
    """Inlines ``$ref``, drops the omitted properties and closes every object."""

    def __init__(
        self, defs: Mapping[str, Schema], omit: Mapping[str, frozenset[str]], given: frozenset[str]
    ) -> None:
        self.defs = defs
        self.omit = omit
        self.given = given
        self.strict = True

    def close(self, node: Any, *, top: bool = False) -> Any:  # Any: a JSON Schema node
        if isinstance(node, list):
            return [self.close(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self.defs[node["$ref"].rsplit("/", 1)[-1]]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return self.close({**target, **siblings})
        if "properties" in node or node.get("type") == "object":
            node = self._object(node, top)
        return {k: self.close(v) for k, v in node.items() if k not in ("$defs", "default")}

    def _object(self, node: Schema, top: bool) -> Schema:
        dropped = self.omit.get(node.get("title", ""), frozenset())
        required = set(node.get("required", [])) - (self.given if top else frozenset())
        if dropped & required:
            raise ValueError(f"cannot omit required fields {sorted(dropped & required)}")
        kept = {k: v for k, v in node.get("properties", {}).items() if k not in dropped}
        if node.get("additionalProperties", False) is not False:
            self.strict = False  # a mapping: its keys cannot be listed
            return {**node, "properties": kept, "required": list(kept)}
        return {**node, "properties": kept, "required": list(kept), "additionalProperties": False}


def _problems(error: Exception) -> str:
    if isinstance(error, ValidationError):
        shown = [
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}"
            for item in error.errors()[:_SHOWN_ERRORS]
        ]
        return "; ".join(shown)
    return str(error)


async def ask(
    llm: LlmProvider,
    shape: Shape[M],
    messages: Messages,
    usage: Usage,
    given: Mapping[str, Any] | None = None,
) -> M:
    """The model's answer as ``shape``'s model. An answer that does not validate gets one
    repair turn quoting the errors; a second invalid answer raises ``LlmInvalidAnswer``."""
    response_format = shape.response_format()
    first = await llm.complete(messages, response_format, usage)
    try:
        return shape.parse(first.text, given)
    except ValueError as error:
        problems = _problems(error)
    repair: list[ChatCompletionMessageParam] = [
        *messages,
        {"role": "assistant", "content": first.text or ""},
        {
            "role": "user",
            "content": (
                f"That answer does not match the JSON schema: {problems}. "
                "Reply again with only the corrected JSON object."
            ),
        },
    ]
    second = await llm.complete(repair, response_format, usage)
    try:
        return shape.parse(second.text, given)
    except ValueError as error:
        raise LlmInvalidAnswer(
            f"the LLM's answer did not match the {shape.model.__name__} schema after a repair "
            f"turn: {_problems(error)}"
        ) from error
