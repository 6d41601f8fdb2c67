"""``Job``: the immutable in-memory view of one row of the jobs table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from foodscan.jobs.states import TERMINAL, Status


@dataclass(frozen=True, slots=True)
class InputFile:
    """One uploaded file of a job, stored as a blob."""

    blob_key: str
    sha256: str
    media_type: str
    size: int
    name: str
    pages: int = 1

    def to_json(self) -> dict[str, Any]:
        # Spelled out, not ``dataclasses.fields``: it runs for every file of every job claimed.
        return {
            "blob_key": self.blob_key,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "size": self.size,
            "name": self.name,
            "pages": self.pages,
        }


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    user_id: str
    kind: str
    lane: str
    status: Status
    step: str | None
    progress: int
    attempt: int
    max_attempts: int
    rescues: int
    run_at: datetime
    lease_owner: str | None
    lease_token: str | None
    lease_expires_at: datetime | None
    cancel_requested: bool
    idempotency_key: str | None
    request_hash: str | None
    inputs: tuple[InputFile, ...]
    inputs_purged_at: datetime | None
    lang: str | None
    options: dict[str, Any]
    client_metadata: dict[str, Any] | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    callback_url: str | None = None
    fair_tag: int = 0  # its turn in its lane (``jobs.sql.fairness``)
    queue_position: int | None = None  # the place last announced in a ``job.queued`` event

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Job:
        return cls.from_mapping(row._mapping)

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> Job:
        """From a row's columns by name (an asyncpg record, too)."""
        data = dict(row)
        data["status"] = Status(data["status"])
        data["inputs"] = tuple(InputFile(**item) for item in data["inputs"])
        return cls(**data)
