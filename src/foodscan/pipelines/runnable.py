"""The pipelines a worker runs: each registered kind bound to its steps' code.

Importing this module loads the recognition and LLM code the steps call (the models themselves
load on first use); only the worker imports it, the API reads ``registry``.
"""

from __future__ import annotations

from typing import Any

from foodscan.pipelines.base import Pipeline
from foodscan.pipelines.products import PRODUCTS
from foodscan.pipelines.receipt import RECEIPT
from foodscan.pipelines.recipe import RECIPE

# Any: each kind's steps share a state of its own type (``pipelines.state``).
PIPELINES: dict[str, Pipeline[Any]] = {p.kind: p for p in (RECEIPT, PRODUCTS, RECIPE)}
