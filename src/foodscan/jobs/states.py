"""Job statuses and the allowed transitions (pure; used by jobs/sql.py and the tests).

::

    queued ──claim──▶ running ──finish──▶ succeeded
      ▲  │              │ │ └──fail────▶ failed
      │  │              │ └──cancel───▶ cancelled
      │  └──cancel──────┼─────────────▶ cancelled
      └──retry/rescue───┘
    failed, cancelled ──retry (by the user)──▶ queued
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.RUNNING, Status.CANCELLED, Status.FAILED}),
    Status.RUNNING: frozenset({Status.QUEUED, Status.SUCCEEDED, Status.FAILED, Status.CANCELLED}),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset({Status.QUEUED}),
    Status.CANCELLED: frozenset({Status.QUEUED}),
}


def can_transition(source: Status, target: Status) -> bool:
    """Whether a job may move from ``source`` to ``target``."""
    return target in TRANSITIONS[source]


class Lane(StrEnum):
    """Priority lanes; the user's plan picks one. Paid jobs are claimed before free ones."""

    PAID = "paid"
    FREE = "free"


LANE_RANK: dict[str, int] = {Lane.PAID: 0, Lane.FREE: 1}
