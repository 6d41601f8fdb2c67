"""Prometheus metrics: the instruments of one process, on a registry its edge builds and passes in.

Each number is counted where it happens, once across a deployment:

- outcomes, retries and lease expiries from the events this process commits (the bus hands
  ``observe`` every committed batch; an event is written by exactly one process);
- run and step durations in the worker (``JobTimer``);
- SSE connections, submits, refusals and upload bytes in the API;
- queued and running jobs per lane, read from the database at scrape time (``QueueCollector``,
  refreshed by ``GET /metrics`` just before it renders).

Nothing here is module-level state: ``create_app`` (or ``foodscan worker``) makes one ``Metrics``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from foodscan.errors import Lost, PermanentError
from foodscan.events.log import TERMINAL_TYPES, EventRecord
from foodscan.jobs.states import Lane, Status

# A job runs from well under a second (a text PDF) to minutes (a vision-LLM on many photos).
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# The codes maintenance writes when a worker's lease expired (``jobs.maintenance.rescue``).
LEASE_EXPIRY_CODES = frozenset({"lease_expired", Lost.code})
LIVE = (Status.QUEUED, Status.RUNNING)


class QueueCollector(Collector):
    """Gauges read from the database: the route calls ``update`` right before each render.

    A process that never serves ``GET /metrics`` (``foodscan worker``) never updates it, and it
    exports nothing rather than a stale or empty queue.
    """

    def __init__(self) -> None:
        self._updated = False
        self._counts: Mapping[tuple[str, str], int] | None = None

    def update(self, counts: Mapping[tuple[str, str], int] | None) -> None:
        """Jobs per (lane, status); None when the database did not answer."""
        self._updated = True
        self._counts = counts

    def collect(self) -> Iterable[Metric]:
        if not self._updated:
            return
        up = GaugeMetricFamily(
            "foodscan_database_up", "1 when the database answered this scrape's queue query."
        )
        up.add_metric([], 0 if self._counts is None else 1)
        yield up
        if self._counts is None:
            return
        depth = GaugeMetricFamily(
            "foodscan_queue_jobs",
            "Jobs queued or running, per lane and status, from the database at scrape time.",
            labels=["lane", "status"],
        )
        lanes = sorted({lane.value for lane in Lane} | {lane for lane, _ in self._counts})
        for lane in lanes:
            for status in LIVE:
                depth.add_metric([lane, status.value], self._counts.get((lane, status.value), 0))
        yield depth


class Metrics:
    """Every instrument of foodscan, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.queue = QueueCollector()
        registry.register(self.queue)
        self.outcomes = Counter(
            "foodscan_jobs_finished",
            "Jobs that reached a terminal status, by kind, status and error code.",
            ["kind", "status", "code"],
            registry=registry,
        )
        self.retries = Counter(
            "foodscan_job_retries",
            "Jobs sent back to the queue after a transient failure or a lost lease.",
            ["kind", "code"],
            registry=registry,
        )
        self.lease_expiries = Counter(
            "foodscan_lease_expiries",
            "Running jobs whose worker stopped renewing the lease (requeued or failed lost).",
            ["kind"],
            registry=registry,
        )
        self.run_seconds = Histogram(
            "foodscan_job_run_seconds",
            "Time one attempt of a job spent in its pipeline, by kind and how it ended.",
            ["kind", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.step_seconds = Histogram(
            "foodscan_job_step_seconds",
            "Time of each pipeline step that completed, by kind and step.",
            ["kind", "step"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.sse_connections = Gauge(
            "foodscan_sse_connections",
            "Open Server-Sent Events streams, per stream type (job or user).",
            ["stream"],
            registry=registry,
        )
        self.submitted = Counter(
            "foodscan_jobs_submitted",
            "New jobs accepted by POST /v1/jobs (replays and duplicate uploads excluded).",
            ["kind", "lane"],
            registry=registry,
        )
        self.refused = Counter(
            "foodscan_submits_limited",
            "Submits refused with 429 by a plan's rate limit or budget, by problem code.",
            ["code"],
            registry=registry,
        )
        self.upload_bytes = Counter(
            "foodscan_upload_bytes",
            "Bytes of uploaded files stored for new jobs, by kind.",
            ["kind"],
            registry=registry,
        )

    def observe(self, records: Sequence[EventRecord]) -> None:
        """Count the outcomes, retries and lease expiries among committed events."""
        for record in records:
            kind = str(record.payload.get("kind", ""))
            error = record.payload.get("error")
            code = str(error.get("code", "")) if isinstance(error, dict) else ""
            if record.type in TERMINAL_TYPES:
                status = record.type.removeprefix("job.")
                self.outcomes.labels(kind, status, code).inc()
            elif record.type == "job.retrying":
                self.retries.labels(kind, code).inc()
            if code in LEASE_EXPIRY_CODES and record.type in {"job.retrying", "job.failed"}:
                self.lease_expiries.labels(kind).inc()

    def job_timer(self, kind: str) -> JobTimer:
        """A timer for one attempt of a job of ``kind`` (``with timer:`` around its pipeline)."""
        return JobTimer(self, kind)


class JobTimer:
    """Times one attempt and each step it completes; a step ends when the next one starts, the
    last one when the pipeline returns. A step cut short (error, cancel) is not observed."""

    def __init__(
        self, metrics: Metrics, kind: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.metrics = metrics
        self.kind = kind
        self.clock = clock
        self._started = clock()
        self._step: str | None = None
        self._step_started = self._started

    def step(self, name: str) -> None:
        """The pipeline reported ``name``: a new step (the previous one is done) or progress."""
        if name == self._step:
            return
        self._close_step()
        self._step, self._step_started = name, self.clock()

    def _close_step(self) -> None:
        if self._step is not None:
            elapsed = self.clock() - self._step_started
            self.metrics.step_seconds.labels(self.kind, self._step).observe(elapsed)

    def __enter__(self) -> JobTimer:
        self._started = self.clock()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._close_step()
            outcome = "succeeded"
        elif issubclass(exc_type, PermanentError):
            outcome = "failed"
        elif not issubclass(exc_type, Exception):
            outcome = "stopped"  # cancelled: by the user, the time limit or a shutdown
        else:
            outcome = "error"
        elapsed = self.clock() - self._started
        self.metrics.run_seconds.labels(self.kind, outcome).observe(elapsed)


def export(metrics: Metrics, host: str, port: int) -> Callable[[], None]:
    """Serve ``metrics`` on ``host:port`` from a thread (``foodscan worker``); returns its stop.

    No authentication: bind it where only the scraper can reach it.
    """
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
