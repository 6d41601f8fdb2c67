"""Every SQL statement of foodscan's jobs, one function each; dialect branches live here only.

``lifecycle`` holds a job's life (submit to finish), ``upkeep`` the maintenance and the worker
registry. Callers use ``from foodscan.jobs import sql`` and ``sql.claim(...)``.
"""

from __future__ import annotations

from foodscan.jobs.sql.lifecycle import (
    Row,
    cancel_queued,
    cancel_requested_ids,
    claim,
    find_duplicate,
    finish,
    get_by_idempotency_key,
    get_job,
    insert_job,
    list_jobs,
    position,
    recent_durations,
    release,
    renew_leases,
    request_cancel,
    requeue_finished,
    requeue_running,
    running_count,
    set_progress,
)
from foodscan.jobs.sql.upkeep import (
    cancel_expired,
    delete_expired_jobs,
    delete_stale_workers,
    delete_worker,
    fail_expired,
    live_workers,
    mark_inputs_purged,
    queue_depth,
    rescue_expired,
    touch_worker,
    upsert_worker,
)

__all__ = [
    "Row",
    "cancel_expired",
    "cancel_queued",
    "cancel_requested_ids",
    "claim",
    "delete_expired_jobs",
    "delete_stale_workers",
    "delete_worker",
    "fail_expired",
    "find_duplicate",
    "finish",
    "get_by_idempotency_key",
    "get_job",
    "insert_job",
    "list_jobs",
    "live_workers",
    "mark_inputs_purged",
    "position",
    "queue_depth",
    "recent_durations",
    "release",
    "renew_leases",
    "request_cancel",
    "requeue_finished",
    "requeue_running",
    "rescue_expired",
    "running_count",
    "set_progress",
    "touch_worker",
    "upsert_worker",
]
