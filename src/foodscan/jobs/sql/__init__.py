"""Every SQL statement of foodscan's jobs, one function each; dialect branches live here only.

``lifecycle`` holds a job's life (submit to finish; ``claim_many`` its claims),
``admission`` the one read before a submit's insert, ``fairness`` the claim order, ``places`` a
queued job's place, ``order`` the order's front as rows and the announced places, ``pace`` what
the ETA reads, ``upkeep`` the maintenance and the worker registry, ``usage`` what the rate limits
and budgets count.
(The webhook outbox's statements are ``webhooks.outbox_sql``.)
Callers use ``from foodscan.jobs import sql`` and ``sql.claim_many(...)``.
"""

from __future__ import annotations

from foodscan.jobs.sql.admission import Admission, Candidate, admit
from foodscan.jobs.sql.claim_many import MAX_CLAIM, claim_many
from foodscan.jobs.sql.fairness import FairShare
from foodscan.jobs.sql.lifecycle import (
    Row,
    cancel_queued,
    cancel_requested_ids,
    find_duplicate,
    finish,
    get_by_idempotency_key,
    get_job,
    insert_job,
    list_jobs,
    release,
    renew_leases,
    request_cancel,
    requeue_finished,
    requeue_running,
    set_progress,
)
from foodscan.jobs.sql.order import (
    Front,
    lane_after,
    lane_kinds_before,
    queue_front,
    queue_order,
    set_announced,
)
from foodscan.jobs.sql.pace import pace_inputs, recent_durations, running_count
from foodscan.jobs.sql.places import EXACT_PLACES, position
from foodscan.jobs.sql.tickets import delete_expired_tickets, insert_ticket, redeem_ticket
from foodscan.jobs.sql.upkeep import (
    cancel_expired,
    delete_expired_jobs,
    delete_stale_workers,
    delete_worker,
    fail_expired,
    finished_since,
    live_workers,
    mark_inputs_purged,
    queue_depth,
    rescue_expired,
    running_by_worker,
    status_counts,
    touch_worker,
    upsert_worker,
)
from foodscan.jobs.sql.usage import (
    EVENT_ORDER_LOCK,
    Usage,
    event_order_locks,
    forget_retries,
    lock_user,
    record_retry,
    usage,
)

__all__ = [
    "EVENT_ORDER_LOCK",
    "EXACT_PLACES",
    "MAX_CLAIM",
    "Admission",
    "Candidate",
    "FairShare",
    "Front",
    "Row",
    "Usage",
    "admit",
    "cancel_expired",
    "cancel_queued",
    "cancel_requested_ids",
    "claim_many",
    "delete_expired_jobs",
    "delete_expired_tickets",
    "delete_stale_workers",
    "delete_worker",
    "event_order_locks",
    "fail_expired",
    "find_duplicate",
    "finish",
    "finished_since",
    "forget_retries",
    "get_by_idempotency_key",
    "get_job",
    "insert_job",
    "insert_ticket",
    "lane_after",
    "lane_kinds_before",
    "list_jobs",
    "live_workers",
    "lock_user",
    "mark_inputs_purged",
    "pace_inputs",
    "position",
    "queue_depth",
    "queue_front",
    "queue_order",
    "recent_durations",
    "record_retry",
    "redeem_ticket",
    "release",
    "renew_leases",
    "request_cancel",
    "requeue_finished",
    "requeue_running",
    "rescue_expired",
    "running_by_worker",
    "running_count",
    "set_announced",
    "set_progress",
    "status_counts",
    "touch_worker",
    "upsert_worker",
    "usage",
]
