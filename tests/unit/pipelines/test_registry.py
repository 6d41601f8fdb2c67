"""The API's view of the kinds (``registry``) and the worker's (``runnable``): one description,
and importing the API loads none of the steps' code (no OCR, no NumPy, no LLM client)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import BaseModel

from foodscan.pipelines import registry, runnable
from foodscan.pipelines.base import Context, StepFn, bind, no_state
from foodscan.pipelines.kinds import Kind, Stage

HEAVY = [
    "numpy",
    "onnxruntime",
    "rapidocr",
    "openai",
    "zxingcpp",
    "foodscan.llm",
    "foodscan.pipelines.base",
    "foodscan.pipelines.runnable",
    "foodscan.worker",
]


def test_importing_the_api_loads_no_ocr_no_llm_and_no_steps() -> None:
    code = f"import sys, foodscan.api.app; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", registry.kinds())
def test_each_kind_runs_the_steps_the_api_describes(kind: str) -> None:
    assert runnable.PIPELINES[kind].describe() == registry.get(kind)


def test_the_worker_runs_every_kind_the_api_accepts() -> None:
    assert sorted(runnable.PIPELINES) == registry.kinds()


class Answer(BaseModel):
    value: int


KIND = Kind(
    kind="k",
    result_model=Answer,
    accepts=frozenset({"image/png"}),
    steps=(Stage("read", 1, "Reading"), Stage("save", 1, "Saving")),
)


async def _nothing(ctx: Context[None]) -> None:
    return None


def test_binding_keeps_the_kinds_steps_in_order() -> None:
    pipeline = bind(KIND, no_state, {"save": _nothing, "read": _nothing})
    assert [s.name for s in pipeline.steps] == ["read", "save"]
    assert pipeline.describe() == KIND


@pytest.mark.parametrize(
    "runs",
    [{"read": _nothing}, {"read": _nothing, "save": _nothing, "check": _nothing}],
    ids=["a step without code", "code for a step the kind does not have"],
)
def test_binding_other_steps_than_the_kinds_fails(runs: dict[str, StepFn[None]]) -> None:
    with pytest.raises(ValueError, match="the k steps are"):
        bind(KIND, no_state, runs)
