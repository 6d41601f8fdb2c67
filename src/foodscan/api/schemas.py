"""The JSON the API answers with (pydantic, so OpenAPI documents it). Blob keys never leave here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from foodscan.api.summaries import ResultSummary
from foodscan.jobs.job import InputFile, Job
from foodscan.jobs.states import Status
from foodscan.jobs.store import JobView
from foodscan.webhooks.outbox import DELIVERED, PENDING, Delivery


class Links(BaseModel):
    """Where to read the job and follow its events."""

    self: str
    events: str

    @classmethod
    def of(cls, job_id: str) -> Links:
        return cls(self=job_path(job_id), events=f"{job_path(job_id)}/events")


def job_path(job_id: str) -> str:
    return f"/v1/jobs/{job_id}"


class InputFileOut(BaseModel):
    """One uploaded file as the client may see it."""

    name: str
    media_type: str
    size: int
    sha256: str
    pages: int

    @classmethod
    def of(cls, item: InputFile) -> InputFileOut:
        return cls(
            name=item.name,
            media_type=item.media_type,
            size=item.size,
            sha256=item.sha256,
            pages=item.pages,
        )


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

    id: str = Field(description="the webhook-id header, the same on every retry")
    event_id: int
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    attempts: list[WebhookAttemptOut]
    next_attempt_at: datetime | None = Field(description="when it is tried next, while pending")
    delivered_at: datetime | None


class WebhookOut(BaseModel):
    """The job's completion webhook: where it goes and every attempt so far."""

    url: str
    delivered: bool = Field(description="whether the latest terminal event reached the URL")
    deliveries: list[WebhookDeliveryOut]

    @classmethod
    def of(cls, url: str, deliveries: Sequence[Delivery]) -> WebhookOut:
        return cls(
            url=url,
            delivered=bool(deliveries) and deliveries[-1].state == DELIVERED,
            deliveries=[
                WebhookDeliveryOut(
                    id=d.id,
                    event_id=d.event_id,
                    event_type=d.event_type,
                    state=d.state,
                    attempts=[
                        WebhookAttemptOut(at=a.at, status_code=a.status_code, error=a.error)
                        for a in d.attempts
                    ],
                    next_attempt_at=d.next_attempt_at if d.state == PENDING else None,
                    delivered_at=d.delivered_at,
                )
                for d in deliveries
            ],
        )


class JobSummary(BaseModel):
    """A job in a list: its state and a summary of its result, not the result itself."""

    id: str
    kind: str
    lane: str
    status: Status
    step: str | None
    progress: int = Field(ge=0, le=100)
    attempt: int
    max_attempts: int
    cancel_requested: bool
    position: int | None = Field(description="1-based place in the queue while queued")
    eta_seconds: float | None = Field(description="seconds until it likely finishes, if queued")
    inputs: list[InputFileOut]
    inputs_purged: bool
    summary: ResultSummary | None = Field(description="a few fields of the result, once there")
    error: JobErrorOut | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: Links

    @classmethod
    def of(cls, view: JobView) -> JobSummary:
        return cls(**_summary_fields(view))


def _summary_fields(view: JobView) -> dict[str, Any]:  # Any: the fields' own types
    job: Job = view.job
    return {
        "id": job.id,
        "kind": job.kind,
        "lane": job.lane,
        "status": job.status,
        "step": job.step,
        "progress": job.progress,
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "cancel_requested": job.cancel_requested,
        "position": view.position,
        "eta_seconds": view.eta_seconds,
        "inputs": [InputFileOut.of(item) for item in job.inputs],
        "inputs_purged": job.inputs_purged_at is not None,
        "summary": ResultSummary.of(job.result),
        "error": JobErrorOut.model_validate(job.error) if job.error else None,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "links": Links.of(job.id),
    }


class JobOut(JobSummary):
    """A job: state, progress, attempts, timestamps, result or error, queue place while queued."""

    lang: str | None
    options: dict[str, Any]  # Any: options are the client's own JSON object
    metadata: dict[str, Any] | None  # Any: the client's small JSON object, echoed back
    result: dict[str, Any] | None  # Any: the result schema of the job's kind
    webhook: WebhookOut | None = Field(
        default=None, description="the completion webhook, when the job has a callback URL"
    )

    @classmethod
    def of(cls, view: JobView) -> JobOut:
        job: Job = view.job
        return cls(
            **_summary_fields(view),
            lang=job.lang,
            options=job.options,
            metadata=job.client_metadata,
            result=job.result,
            webhook=WebhookOut.of(job.callback_url, view.deliveries) if job.callback_url else None,
        )


class Submitted(BaseModel):
    """The answer to a submit: where the job lives and where it stands in the queue."""

    job_id: str
    status: Status
    position: int | None
    eta_seconds: float | None
    links: Links

    @classmethod
    def of(cls, view: JobView) -> Submitted:
        return cls(
            job_id=view.job.id,
            status=view.job.status,
            position=view.position,
            eta_seconds=view.eta_seconds,
            links=Links.of(view.job.id),
        )


class Rescanned(Submitted):
    """The answer to a rescan: the new job, as a submit's answer, and the job it scans again."""

    rescan_of: str = Field(description="the finished job whose uploads the new job reads")

    @classmethod
    def rescanning(cls, view: JobView, original_id: str) -> Rescanned:
        return cls(**Submitted.of(view).model_dump(), rescan_of=original_id)


class JobPage(BaseModel):
    """One page of the user's jobs, newest first; pass ``next_cursor`` as ``cursor`` for more."""

    items: list[JobSummary]
    next_cursor: str | None


class FullJobPage(BaseModel):
    """One page of the user's jobs with their results (``?full=true``), newest first."""

    items: list[JobOut]
    next_cursor: str | None


class Health(BaseModel):
    status: str = "ok"


class WorkerOut(BaseModel):
    """A live worker process and what it is doing."""

    id: str
    host: str
    pid: int
    concurrency: int = Field(description="jobs it runs at once")
    running: int = Field(description="jobs it runs now")
    kinds: list[str]
    heartbeat_age_s: float = Field(description="seconds since its last heartbeat")


class Readiness(BaseModel):
    """Whether this node can serve: the database answers and a worker is alive; and, to the
    clients ``/metrics`` answers, what the queue and the workers are doing (``foodscan inspect``).
    Any other client gets ``status``, ``database`` and ``reason`` only."""

    status: str
    database: str
    workers: int | None = Field(default=None, description="live workers (details only)")
    queue_depth: dict[str, int] = Field(default_factory=dict, description="queued jobs per lane")
    running: dict[str, int] = Field(default_factory=dict, description="running jobs per lane")
    finished: dict[str, int] = Field(
        default_factory=dict,
        description="jobs finished (succeeded, failed or cancelled) in the last 1, 5, 15 minutes",
    )
    worker_list: list[WorkerOut] = Field(default_factory=list, description="the live workers")
    ocr_languages: list[str] = Field(
        default_factory=list,
        description="languages this node's OCR can read (ru needs Tesseract's Russian data)",
    )
    reason: str | None = None
