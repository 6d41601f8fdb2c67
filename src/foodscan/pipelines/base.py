"""Step, Pipeline and the per-job Context a pipeline's steps share.

A pipeline is data: a kind's description (``pipelines.kinds``: result schema, accepted files,
ordered weighted steps) with each step bound to its code. The worker runtime runs the steps in
order and turns each step boundary into a ``job.progress`` event whose ``progress`` is the share
of the weights already done (0 to 100). The steps of a kind hand each other a typed state (one
dataclass per kind, ``pipelines.state``), so mypy checks what one step leaves for the next.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from foodscan.blobs import BlobStore
from foodscan.catalog.entry import ProductLookup
from foodscan.llm.client import LlmProvider
from foodscan.pipelines.kinds import Kind, Stage
from foodscan.recognition.reading.ocr import OcrEngine
from foodscan.uploads.checks import UploadLimits

T = TypeVar("T")
S = TypeVar("S")


class CpuRunner(Protocol):
    """Runs blocking functions off the event loop (``worker.cpu.CpuPool`` implements it)."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...  # Any: fn's own arguments


@dataclass
class Context(Generic[S]):
    """Everything one job's steps may use, and the state (``S``) they hand to each other."""

    job_id: str
    kind: str
    lang: str | None
    options: dict[str, Any]
    inputs: list[dict[str, Any]]
    blobs: BlobStore
    cpu: CpuRunner
    ocr: OcrEngine
    limits: UploadLimits
    state: S
    result: BaseModel | None = None
    partial: dict[str, Any] | None = None
    reporter: StepReporter | None = None
    catalog: ProductLookup | None = None
    # The vision-LLM, when one is configured (built once per worker).
    llm: LlmProvider | None = None

    async def progress(
        self, message: str, done: float, partial: dict[str, Any] | None = None
    ) -> None:
        """Report progress inside the running step: ``done`` (0 to 1) of it, and what is known.

        ``partial`` (the result's fields known so far) is kept and sent with every later event.
        """
        if partial is not None:
            self.partial = partial
        if self.reporter is not None:
            await self.reporter(message, done)


# (step, progress 0 to 100, message, partial result or None)
ProgressFn = Callable[[str, int, str, dict[str, Any] | None], Awaitable[None]]
StepReporter = Callable[[str, float], Awaitable[None]]
StepFn = Callable[[Context[S]], Awaitable[None]]
SkipFn = Callable[[Context[S]], bool]


@dataclass(frozen=True, slots=True)
class Step(Generic[S]):
    """One named step: its weight in the job's progress and the message shown while it runs."""

    name: str
    weight: float
    message: str
    run: StepFn[S]
    # Asked when the step is due: True skips it, with no progress event (an optional step).
    skip: SkipFn[S] | None = None


def no_state() -> None:
    """The state of a pipeline whose steps hand each other nothing."""


@dataclass(frozen=True, slots=True)
class Pipeline(Generic[S]):
    """A kind of job: what it accepts, what it returns, the steps in between and the fresh state
    (``new_state()``) its steps share in each job."""

    kind: str
    result_model: type[BaseModel]
    steps: tuple[Step[S], ...]
    accepts: frozenset[str]
    new_state: Callable[[], S]
    max_files: int = 1

    def describe(self) -> Kind:
        """The kind as the API sees it (``pipelines.kinds``)."""
        stages = tuple(Stage(s.name, s.weight, s.message) for s in self.steps)
        return Kind(self.kind, self.result_model, self.accepts, stages, self.max_files)

    def progress_before(self, index: int) -> int:
        """Progress (0 to 100) when step ``index`` starts."""
        total = sum(s.weight for s in self.steps) or 1.0
        done = sum(s.weight for s in self.steps[:index])
        return round(100 * done / total)

    async def run(
        self, ctx: Context[S], report: ProgressFn, *, started: bool = False
    ) -> dict[str, Any]:
        """Run every step, reporting each boundary; returns the validated result as JSON data.

        ``started``: the first step's start was already recorded (the worker's claim does it)."""
        for index, step in enumerate(self.steps):
            start, end = self.progress_before(index), self.progress_before(index + 1)

            async def within(
                message: str,
                done: float,
                name: str = step.name,
                span: tuple[int, int] = (start, end),
            ) -> None:
                share = min(1.0, max(0.0, done))
                at = round(span[0] + share * (span[1] - span[0]))
                await report(name, at, message, ctx.partial)

            if step.skip is not None and step.skip(ctx):
                continue
            ctx.reporter = within
            if index > 0 or not started:
                await report(step.name, start, step.message, ctx.partial)
            await step.run(ctx)
        if ctx.result is None:
            raise RuntimeError(f"pipeline {self.kind} finished without a result")
        checked = self.result_model.model_validate(ctx.result.model_dump())
        return checked.model_dump(mode="json")


def bind(
    kind: Kind,
    new_state: Callable[[], S],
    runs: Mapping[str, StepFn[S]],
    skips: Mapping[str, SkipFn[S]] | None = None,
) -> Pipeline[S]:
    """``kind``'s pipeline: each of its steps (by name) bound to the code in ``runs`` (and, for an
    optional step, the test in ``skips``); ``ValueError`` unless every step has code."""
    names = [stage.name for stage in kind.steps]
    if sorted(runs) != sorted(names) or not set(skips or {}) <= set(names):
        raise ValueError(f"the {kind.kind} steps are {names}, the code is for {sorted(runs)}")
    steps = tuple(
        Step(s.name, s.weight, s.message, runs[s.name], (skips or {}).get(s.name))
        for s in kind.steps
    )
    return Pipeline(
        kind.kind, kind.result_model, steps, kind.accepts, new_state, max_files=kind.max_files
    )
