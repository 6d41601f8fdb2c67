"""Pipeline.run: one progress event per step boundary, sub-step progress, partial results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from foodscan.blobs import LocalBlobStore
from foodscan.pipelines.base import Context, Pipeline, Step, no_state
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.uploads.checks import UploadLimits
from foodscan.worker.cpu import CpuPool


class Answer(BaseModel):
    value: int


def context(tmp_path: Path) -> Context:
    return Context(
        job_id="j",
        kind="test",
        lang=None,
        options={},
        inputs=[],
        blobs=LocalBlobStore(tmp_path),
        cpu=CpuPool(1),
        ocr=RapidOcrEngine(),
        limits=UploadLimits(max_bytes=1, max_pages=1, max_pixels=1),
        state=None,
    )


async def first(ctx: Context) -> None:
    await ctx.progress("half way", 0.5, partial={"value": 1})


async def second(ctx: Context) -> None:
    ctx.result = Answer(value=2)


PIPELINE = Pipeline(
    kind="test",
    result_model=Answer,
    accepts=frozenset({"image/png"}),
    new_state=no_state,
    steps=(Step("first", 3, "Starting", first), Step("second", 1, "Finishing", second)),
)


async def test_steps_report_boundaries_sub_progress_and_partials(tmp_path: Path) -> None:
    seen: list[tuple[str, int, str, dict[str, Any] | None]] = []

    async def report(step: str, progress: int, message: str, partial: Any) -> None:
        seen.append((step, progress, message, partial))

    result = await PIPELINE.run(context(tmp_path), report)

    assert result == {"value": 2}
    assert seen == [
        ("first", 0, "Starting", None),
        ("first", 38, "half way", {"value": 1}),  # half of the first step's 75 %
        ("second", 75, "Finishing", {"value": 1}),
    ]


def test_progress_before_follows_the_weights() -> None:
    assert [PIPELINE.progress_before(i) for i in range(3)] == [0, 75, 100]
