"""The registry of job kinds, as the API sees them: a new kind plugs in with one entry here (its
description in ``kinds/``) and one in ``runnable`` (its steps' code).

Importing this module loads no OCR engine, model or LLM client: only the kinds' descriptions.
"""

from __future__ import annotations

from foodscan.errors import InvalidInput
from foodscan.pipelines.kinds import Kind
from foodscan.pipelines.kinds.products import PRODUCTS
from foodscan.pipelines.kinds.receipt import RECEIPT
from foodscan.pipelines.kinds.recipe import RECIPE

KINDS: dict[str, Kind] = {k.kind: k for k in (RECEIPT, PRODUCTS, RECIPE)}


def kinds() -> list[str]:
    """The kinds this build can run."""
    return sorted(KINDS)


def get(kind: str) -> Kind:
    """The description of ``kind``; ``InvalidInput`` for a kind nobody registered."""
    try:
        return KINDS[kind]
    except KeyError:
        known = ", ".join(kinds())
        raise InvalidInput(f"unknown kind {kind!r}; known kinds: {known}") from None
