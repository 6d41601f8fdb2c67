"""``foodscan.metrics``: what committed events count, how a job timer labels an attempt, and the
database collector that exports nothing until a scrape refreshed it."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from foodscan.errors import NoTextFound, TransientError
from foodscan.events.log import EventRecord, to_record
from foodscan.metrics import Metrics

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def event(type_: str, **data: Any) -> EventRecord:
    return to_record(1, "job-1", "alice", type_, {"kind": "receipt", **data}, AT)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry())


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_terminal_events_count_as_outcomes_with_their_code(metrics: Metrics) -> None:
    metrics.observe(
        [
            event("job.started", attempt=1),
            event("job.succeeded", result={}),
            event("job.failed", error={"code": "no_text", "message": "…"}),
            event("job.cancelled"),
        ]
    )

    finished = "foodscan_jobs_finished_total"
    assert value(metrics, finished, kind="receipt", status="succeeded", code="") == 1
    assert value(metrics, finished, kind="receipt", status="failed", code="no_text") == 1
    assert value(metrics, finished, kind="receipt", status="cancelled", code="") == 1


def test_lease_expiries_count_requeued_and_lost_jobs(metrics: Metrics) -> None:
    metrics.observe(
        [
            event("job.retrying", attempt=1, error={"code": "lease_expired", "message": "…"}),
            event("job.retrying", attempt=1, error={"code": "transient", "message": "…"}),
            event("job.failed", error={"code": "lost", "message": "…"}),
        ]
    )

    assert value(metrics, "foodscan_job_retries_total", kind="receipt", code="lease_expired") == 1
    assert value(metrics, "foodscan_job_retries_total", kind="receipt", code="transient") == 1
    assert value(metrics, "foodscan_lease_expiries_total", kind="receipt") == 2


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "succeeded"),
        (NoTextFound(), "failed"),
        (TransientError(), "error"),
        (asyncio.CancelledError(), "stopped"),
    ],
)
def test_a_timer_labels_the_attempt_by_how_it_ended(
    metrics: Metrics, error: BaseException | None, outcome: str
) -> None:
    ticks = iter(range(100))
    timer = metrics.job_timer("receipt")
    timer.clock = lambda: float(next(ticks))

    with pytest.raises(type(error)) if error is not None else nullcontext(), timer:
        timer.step("ocr")
        timer.step("ocr")  # progress inside the step: not a new step
        timer.step("parse")
        if error is not None:
            raise error

    runs = "foodscan_job_run_seconds_count"
    assert value(metrics, runs, kind="receipt", outcome=outcome) == 1
    assert value(metrics, "foodscan_job_step_seconds_count", kind="receipt", step="ocr") == 1
    parsed = value(metrics, "foodscan_job_step_seconds_count", kind="receipt", step="parse")
    assert parsed == (1 if error is None else 0)


def test_queue_gauges_appear_only_once_a_scrape_read_the_database(metrics: Metrics) -> None:
    assert b"foodscan_queue_jobs" not in generate_latest(metrics.registry)

    metrics.queue.update({("free", "queued"): 3})
    text = generate_latest(metrics.registry).decode()
    metrics.queue.update(None)
    down = generate_latest(metrics.registry).decode()

    assert 'foodscan_queue_jobs{lane="free",status="queued"} 3.0' in text
    assert 'foodscan_queue_jobs{lane="paid",status="running"} 0.0' in text
    assert "foodscan_database_up 1.0" in text
    assert "foodscan_database_up 0.0" in down
    assert "foodscan_queue_jobs{" not in down
