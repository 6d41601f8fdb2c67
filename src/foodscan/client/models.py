"""The typed answers of the client: the server's own job models, and ``Event`` for SSE frames.

Job models are imported from ``foodscan.api.schemas`` (never redefined), so the client and the
server cannot drift apart. Importing this builds no app and loads no OCR model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from foodscan.api.schemas import JobErrorOut, JobOut, JobPage, Links, Readiness, Submitted
from foodscan.events.log import TERMINAL_TYPES

__all__ = [
    "TERMINAL_TYPES",
    "Event",
    "JobErrorOut",
    "JobOut",
    "JobPage",
    "Links",
    "Readiness",
    "Submitted",
]


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
