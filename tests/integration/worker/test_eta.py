"""ETAs on a known workload (jobs that take a fixed time, two slots, a burst of twelve): the
last of the burst is told it waits waves longer than the first. How far they are from
when the jobs really finish is a figure, not an assertion (it depends on the machine's load):
it is printed (``pytest -s``) and reported in the README."""

from __future__ import annotations

import asyncio
import statistics

from foodscan.pipelines.base import Context
from tests.integration.worker.support import Echo, eventually, pipeline, step

JOB_S = 0.25
WARM_UP = 4
QUEUED = 12


async def fixed_time(ctx: Context) -> None:
    await asyncio.sleep(JOB_S)  # the workload itself: every job takes the same time
    ctx.result = Echo(text="done")


async def test_eta_of_a_known_queue_is_close_to_when_jobs_finish(
    worker_factory, submit, peek, backend
) -> None:
    warm = [await submit() for _ in range(WARM_UP)]
    await worker_factory(pipeline(step("work", fixed_time)))
    await eventually(lambda: _all_done(peek, warm), within=30)

    etas = {}
    for _ in range(QUEUED):  # a burst, much faster than the workers drain it
        job_id = await submit()
        etas[job_id] = (await peek.events(job_id))[0].payload["eta_seconds"]
    await eventually(lambda: _all_done(peek, list(etas)), within=60)

    errors = []
    for job_id, eta in etas.items():
        job = await peek.job(job_id)
        assert job is not None
        assert job.finished_at is not None
        errors.append(eta - (job.finished_at - job.created_at).total_seconds())
    absolute = [abs(e) for e in errors]
    print(  # noqa: T201 - the figure this test is for
        f"\nETA error on {backend}: median {statistics.median(absolute):.2f} s, "
        f"max {max(absolute):.2f} s, mean signed {statistics.mean(errors):+.2f} s "
        f"({QUEUED} jobs of {JOB_S} s in a burst, 2 slots)"
    )
    queued = list(etas.values())
    assert all(eta > 0 for eta in queued)
    # The burst arrives far faster than two slots drain it: the last job waits waves longer.
    assert queued[-1] >= queued[0] + 2 * JOB_S, queued


async def _all_done(peek, job_ids: list[str]) -> bool:
    for job_id in job_ids:
        job = await peek.job(job_id)
        if job is None or job.status != "succeeded":
            return False
    return True
