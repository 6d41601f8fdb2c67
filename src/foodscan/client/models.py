"""The client's wire models: the JSON the server sends, as typed answers.

These are the client's own definitions, so ``import foodscan.client`` needs nothing of the
server (no SQLAlchemy, no OCR stack) and the client installs alone (``foodscan-client``).
``tests/e2e/test_client_wire.py`` checks each one against the server's ``/openapi.json``, so the
two cannot drift apart unnoticed. Fields a newer server adds are ignored, not refused.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = [
    "TERMINAL",
    "TERMINAL_TYPES",
    "AfterOpening",
    "Event",
    "FullJobPage",
    "InputFileOut",
    "JobErrorOut",
    "JobOut",
    "JobPage",
    "JobSummary",
    "Keeps",
    "Links",
    "Readiness",
    "ResultSummary",
    "Status",
    "Submitted",
    "UseBy",
    "WebhookAttemptOut",
    "WebhookDeliveryOut",
    "WebhookOut",
    "WorkerOut",
]


class Status(StrEnum):
    """A job's status (the server's state machine: ``docs/architecture.md``)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})
TERMINAL_TYPES = frozenset({"job.succeeded", "job.failed", "job.cancelled"})


class Links(BaseModel):
    """Where to read the job and follow its events."""

    self: str
    events: str


class InputFileOut(BaseModel):
    """One uploaded file as the client may see it."""

    name: str
    media_type: str
    size: int
    sha256: str
    pages: int


class JobErrorOut(BaseModel):
    """Why a job failed (or why its last attempt did, while it waits to retry)."""

    code: str
    message: str = ""


class WebhookAttemptOut(BaseModel):
    """One POST of a webhook: when, the receiver's status code (None: no answer), what failed."""

    at: datetime
    status_code: int | None
    error: str | None


class WebhookDeliveryOut(BaseModel):
    """One terminal event sent (or being sent) to the job's callback URL."""

    id: str
    event_id: int
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    attempts: list[WebhookAttemptOut]
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class WebhookOut(BaseModel):
    """The job's completion webhook: where it goes and every attempt so far."""

    url: str
    delivered: bool
    deliveries: list[WebhookDeliveryOut]


class ResultSummary(BaseModel):
    """A result in a few fields (``JobSummary.summary``); ``counts`` gives how many items,
    products, ingredients or steps it holds."""

    title: str | None
    merchant: str | None
    total: str | None
    currency: str | None
    date: str | None
    counts: dict[str, int]


class JobSummary(BaseModel):
    """A job as ``list`` yields it by default: its state and a summary of its result."""

    id: str
    kind: str
    lane: str
    status: Status
    step: str | None
    progress: int = Field(ge=0, le=100)
    attempt: int
    max_attempts: int
    cancel_requested: bool
    position: int | None
    eta_seconds: float | None
    inputs: list[InputFileOut]
    inputs_purged: bool
    summary: ResultSummary | None
    error: JobErrorOut | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: Links


class JobOut(JobSummary):
    """A job: state, progress, attempts, timestamps, result or error, queue place while queued."""

    lang: str | None
    options: dict[str, Any]  # Any: options are the client's own JSON object
    metadata: dict[str, Any] | None  # Any: the client's small JSON object, echoed back
    result: dict[str, Any] | None  # Any: the result schema of the job's kind
    webhook: WebhookOut | None = None


class AfterOpening(BaseModel):
    """How long a food keeps once opened, in ``[min, max]`` days; ``None`` where unknown."""

    pantry_days: tuple[int, int] | None
    fridge_days: tuple[int, int] | None


class Keeps(BaseModel):
    """How long a food keeps, from USDA FoodKeeper (an estimate): the ``keeps`` of a receipt
    item, a product or a recipe ingredient in ``JobOut.result``; read one with
    ``Keeps.model_validate(result["items"][0]["keeps"])``. Days as ``[min, max]``."""

    entry: str
    name: str
    category: str
    pantry_days: tuple[int, int] | None
    fridge_days: tuple[int, int] | None
    freezer_days: tuple[int, int] | None
    after_opening: AfterOpening | None
    tips: str | None


class UseBy(BaseModel):
    """A receipt item's estimated use-by date (``result["items"][i]["use_by"]``): the purchase
    date plus the shortest storage time where the food is usually kept (``kept``)."""

    date: str
    kept: Literal["pantry", "fridge", "freezer"]
    estimate: bool = True


class Submitted(BaseModel):
    """The answer to a submit: where the job lives and where it stands in the queue.

    ``duplicate`` is true when the server answered with an earlier job (``200``: the same upload
    within the upload retention, or an Idempotency-Key replay) rather than queueing a new one
    (``202``); its result may predate a change on the server. ``submit(..., rescan=True)`` runs
    the upload again, as does ``rescan(job_id)`` from the uploads the server kept.
    """

    job_id: str
    status: Status
    position: int | None
    eta_seconds: float | None
    links: Links
    # Not in the JSON: the HTTP status says it, so the field stays out of the wire schema.
    _duplicate: bool = PrivateAttr(default=False)

    @property
    def duplicate(self) -> bool:
        return self._duplicate

    @classmethod
    def answered(cls, content: bytes, status_code: int) -> Self:
        """The model of a submit's answer, ``duplicate`` set from its status (``200``)."""
        submitted = cls.model_validate_json(content)
        submitted._duplicate = status_code == 200
        return submitted


class Rescanned(Submitted):
    """The answer to ``rescan``: the new job reading a finished job's uploads again, and that
    job's id. ``duplicate`` is true for an Idempotency-Key replay (``200``)."""

    rescan_of: str


class JobPage(BaseModel):
    """One page of the user's jobs, newest first; pass ``next_cursor`` as ``cursor`` for more."""

    items: list[JobSummary]
    next_cursor: str | None


class FullJobPage(BaseModel):
    """One page of the user's jobs with their results (``full=True``), newest first."""

    items: list[JobOut]
    next_cursor: str | None


class WorkerOut(BaseModel):
    """A live worker process and what it is doing."""

    id: str
    host: str
    pid: int
    concurrency: int
    running: int
    kinds: list[str]
    heartbeat_age_s: float


class Readiness(BaseModel):
    """Whether the server can serve, and what its queue and workers are doing."""

    status: str
    database: str
    workers: int | None = None  # None: the server shows its details only to operators
    queue_depth: dict[str, int] = Field(default_factory=dict)
    running: dict[str, int] = Field(default_factory=dict)
    finished: dict[str, int] = Field(default_factory=dict)
    worker_list: list[WorkerOut] = Field(default_factory=list)
    ocr_languages: list[str] = Field(default_factory=list)
    reason: str | None = None


class Event(BaseModel):
    """One event of a job, as the SSE endpoints send it; fields beyond a type's own are None.

    ``job.queued``: position, eta_seconds; ``job.started``: attempt; ``job.progress``: step,
    progress, message (and ``partial``, the result known so far); ``job.retrying``: attempt,
    retry_at, error; ``job.succeeded``: result; ``job.failed``: error; ``job.cancelled``.
    Fields a newer server adds are kept (``extra="allow"``).
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    id: int
    timestamp: datetime
    job_id: str
    kind: str | None = None
    position: int | None = None
    eta_seconds: float | None = None
    attempt: int | None = None
    step: str | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    message: str | None = None
    partial: dict[str, Any] | None = None  # Any: the partial result of the job's kind
    retry_at: datetime | None = None
    result: dict[str, Any] | None = None  # Any: the result schema of the job's kind
    error: JobErrorOut | None = None

    @property
    def terminal(self) -> bool:
        """Whether this is the job's last event (succeeded, failed or cancelled)."""
        return self.type in TERMINAL_TYPES
