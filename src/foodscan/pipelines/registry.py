"""The registry of job kinds. A new kind plugs in with one entry here.

Importing this module loads no model: steps load what they need on first use.
"""

from __future__ import annotations

from foodscan.errors import InvalidInput
from foodscan.pipelines.base import Pipeline
from foodscan.pipelines.products import PRODUCTS
from foodscan.pipelines.receipt import RECEIPT
from foodscan.pipelines.recipe import RECIPE

PIPELINES: dict[str, Pipeline] = {p.kind: p for p in (RECEIPT, PRODUCTS, RECIPE)}


def kinds() -> list[str]:
    """The kinds this build can run."""
    return sorted(PIPELINES)


def get(kind: str) -> Pipeline:
    """The pipeline of ``kind``; ``InvalidInput`` for a kind nobody registered."""
    try:
        return PIPELINES[kind]
    except KeyError:
        known = ", ".join(kinds())
        raise InvalidInput(f"unknown kind {kind!r}; known kinds: {known}") from None
