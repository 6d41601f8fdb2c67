"""Example requests and answers of the OpenAPI document (``/docs``); nothing here answers a request.

Route decorators attach them (``responses=``, ``openapi_extra=``): a submit of each kind, a job of
each kind and state, a page of jobs, an event stream, a ticket, readiness. The bodies are what a
real server answered, shortened. ``tests/unit/test_openapi_docs.py`` validates each one against
the schema it illustrates, so they cannot drift from the models.
"""

from __future__ import annotations

import json
from typing import Any

from foodscan.api.summaries import ResultSummary

# Any: every value below is JSON (or an OpenAPI fragment holding JSON).
Examples = dict[str, dict[str, Any]]

JOB_ID = "3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90"
OTHER_JOB_ID = "a1eb03e7-7a0a-4182-a469-091c70898c9b"
_AT = "2026-03-14T09:45:02.118Z"
_DONE_AT = "2026-03-14T09:45:03.420Z"


def _links(job_id: str) -> dict[str, str]:
    return {"self": f"/v1/jobs/{job_id}", "events": f"/v1/jobs/{job_id}/events"}


def _input(name: str, media_type: str, size: int, sha: str) -> dict[str, Any]:
    return {"name": name, "media_type": media_type, "size": size, "sha256": sha * 64, "pages": 1}


RECEIPT_RESULT: dict[str, Any] = {
    "language": "en",
    "merchant": {"name": "FRESH MARKET", "address": "12 High Street", "tax_id": None},
    "date": "2026-03-14",
    "time": "09:41",
    "currency": "GBP",
    "items": [
        {"name": "BANANAS", "quantity": 1, "unit": "pcs", "unit_price": "1.29", "total": "1.29",
         "discount": None},
        {"name": "WHOLE MILK 2L", "quantity": 1, "unit": "pcs", "unit_price": "2.15",
         "total": "2.15", "discount": None},
        {"name": "RYE BREAD", "quantity": 1, "unit": "pcs", "unit_price": "3.40", "total": "3.40",
         "discount": None},
    ],
    "subtotal": None,
    "tax": [],
    "total": "6.84",
    "payment": {"method": None, "card_last4": None},
    "reconciliation": {"status": "consistent", "difference": "0.00"},
    "confidence": {"merchant": 0.899, "date": 0.968, "time": 0.939, "total": 0.98, "items": 0.995},
    "pages": 1,
    "text": "FRESH MARKET\n12 High Street\n2026-03-14 09:41\nBANANAS\n1.29\nWHOLE MILK 2L\n2.15\n"
    "RYE BREAD\n3.40\nTOTAL GBP\n6.84",
    "lines": [
        {"page": 0, "text": "FRESH MARKET", "confidence": 0.9988, "source": "ocr",
         "box": [[26.0, 45.0], [232.0, 45.0], [232.0, 74.0], [26.0, 74.0]]},
        {"page": 0, "text": "TOTAL GBP", "confidence": 0.9809, "source": "ocr",
         "box": [[26.0, 397.0], [182.0, 397.0], [182.0, 426.0], [26.0, 426.0]]},
    ],
}  # fmt: skip
_BARCODE = {"format": "EAN-13", "text": "5901234123457", "source": "image"}
PRODUCTS_RESULT: dict[str, Any] = {
    "products": [
        {"name": "Arla Mjolk", "brand": "Arla",
         "quantity": {"value": 1.0, "unit": "l", "count": None, "text": "1 l"},
         "category": "milk", "category_name": "Milk", "barcodes": [_BARCODE], "photos": [0, 1],
         "text": "ARLA\nMJOLK\n1 l\nNARINGSVARDE\nARLA", "confidence": 1.0, "source": "photo",
         "nutrition": None, "allergens": []},
    ],
    "photos": [
        {"index": 0, "barcodes": [_BARCODE], "lines": [
            {"text": "ARLA", "confidence": 0.9999,
             "box": [[23.0, 28.0], [142.0, 30.0], [141.0, 81.0], [22.0, 79.0]]}]},
        {"index": 1, "barcodes": [_BARCODE], "lines": [
            {"text": "NARINGSVARDE", "confidence": 0.9999,
             "box": [[27.0, 33.0], [350.0, 33.0], [350.0, 76.0], [27.0, 76.0]]}]},
    ],
}  # fmt: skip
RECIPE_RESULT: dict[str, Any] = {
    "title": "Pancakes",
    "servings": 4,
    "yields": "4",
    "times": {"prep": "PT10M", "cook": "PT20M", "total": None},
    "ingredients": [
        {"text": "200 g flour", "quantity": 200.0, "quantity_max": None, "unit": "g",
         "name": "flour", "preparation": None, "comment": None, "confidence": 0.9999},
        {"text": "300 ml milk, warmed", "quantity": 300.0, "quantity_max": None, "unit": "ml",
         "name": "milk", "preparation": "warmed", "comment": None, "confidence": 0.9994},
    ],
    "ingredient_groups": None,
    "steps": ["Whisk the flour and milk into a smooth batter.", "Fry thin pancakes in a hot pan."],
    "language": "en",
    "source": {"media_type": "text/plain", "method": "text", "url": None, "pages": 1},
}  # fmt: skip


def job(kind: str, **changes: Any) -> dict[str, Any]:
    """A ``JobOut`` of ``kind`` that succeeded; ``changes`` replace its fields."""
    inputs = {
        "receipt": [_input("receipt.jpg", "image/jpeg", 32328, "2a")],
        "products": [
            _input("front.jpg", "image/jpeg", 18084, "5b"),
            _input("back.jpg", "image/jpeg", 21743, "14"),
        ],
        "recipe": [_input("pancakes.txt", "text/plain", 176, "51")],
    }[kind]
    result = {"receipt": RECEIPT_RESULT, "products": PRODUCTS_RESULT, "recipe": RECIPE_RESULT}
    job_id = changes.pop("id", JOB_ID)
    body: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "lane": "paid",
        "status": "succeeded",
        "step": "save",
        "progress": 100,
        "attempt": 1,
        "max_attempts": 3,
        "cancel_requested": False,
        "position": None,
        "eta_seconds": None,
        "lang": None,
        "options": {},
        "metadata": None,
        "inputs": inputs,
        "inputs_purged": False,
        "result": result[kind],
        "error": None,
        "created_at": _AT,
        "updated_at": _DONE_AT,
        "started_at": "2026-03-14T09:45:02.131Z",
        "finished_at": _DONE_AT,
        "webhook": None,
        "links": _links(job_id),
    }
    body |= changes
    found = ResultSummary.of(body["result"])
    body["summary"] = None if found is None else found.model_dump()
    return body


def job_summary(kind: str, **changes: Any) -> dict[str, Any]:
    """A ``JobSummary`` of ``kind``: ``job`` without result, options, metadata, lang, webhook."""
    full = job(kind, **changes)
    return {k: v for k, v in full.items() if k not in _FULL_ONLY}


_FULL_ONLY = frozenset({"lang", "options", "metadata", "result", "webhook"})


_QUEUED = {"status": "queued", "step": None, "progress": 0, "result": None, "started_at": None,
           "finished_at": None, "updated_at": _AT, "position": 3, "eta_seconds": 7.5}  # fmt: skip
_FAILED = {"status": "failed", "result": None, "step": "ocr", "progress": 15,
           "error": {"code": "no_text", "message": "No text was found."}}  # fmt: skip


# Every named example by its summary: ``api/openapi.py`` puts the values back as written, since
# FastAPI drops each ``null`` from the document it generates.
SHOWN: dict[str, Any] = {}


def _named(summary: str, value: Any) -> dict[str, Any]:
    if SHOWN.setdefault(summary, value) is not value:
        raise ValueError(f"two examples are summarised {summary!r}")
    return {"summary": summary, "value": value}


def json_examples(status: int, examples: Examples) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses`` entry adding ``examples`` to the JSON answer of ``status``."""
    return {status: {"content": {"application/json": {"examples": examples}}}}


SUBMITTED = {"job_id": JOB_ID, "status": "queued", "position": 1, "eta_seconds": 5.0,
             "links": _links(JOB_ID)}  # fmt: skip
SUBMITTED_EXAMPLES: Examples = {"queued": _named("Queued, first in line", SUBMITTED)}
REPLAYED_EXAMPLES: Examples = {
    "replay": _named(
        "The same Idempotency-Key (or upload) again: the job it made",
        SUBMITTED | {"status": "succeeded", "position": None, "eta_seconds": None},
    )
}
_NEW_JOB_ID = "6d2b9e41-0c3f-4a58-b7e6-2f91c0d4a8e3"
RESCANNED = {"job_id": _NEW_JOB_ID, "status": "queued", "position": 1, "eta_seconds": 5.0,
             "links": _links(_NEW_JOB_ID), "rescan_of": JOB_ID}  # fmt: skip
RESCANNED_EXAMPLES: Examples = {
    "queued": _named("A new job reading the same uploads, first in line", RESCANNED)
}
RESCAN_REPLAYED_EXAMPLES: Examples = {
    "replay": _named(
        "The same Idempotency-Key again: the job that rescan made",
        RESCANNED | {"status": "succeeded", "position": None, "eta_seconds": None},
    )
}
SUBMIT_REQUEST: Examples = {
    "receipt": _named(
        "A receipt photo: curl -F kind=receipt -F file=@receipt.jpg -F lang=en",
        {"kind": "receipt", "file": ["receipt.jpg"], "lang": "en"},
    ),
    "products": _named(
        "Front and back of one product, one job: -F file=@front.jpg -F file=@back.jpg",
        {"kind": "products", "file": ["front.jpg", "back.jpg"]},
    ),
    "recipe": _named(
        "A recipe file, with metadata echoed back and a completion webhook",
        {
            "kind": "recipe",
            "file": ["pancakes.txt"],
            "metadata": '{"order": 42}',
            "callback_url": "https://example.org/hooks/foodscan",
        },
    ),
}
JOB_EXAMPLES: Examples = {
    "receipt": _named("A receipt that was read", job("receipt")),
    "products": _named("Two photos of one product", job("products")),
    "recipe": _named("A recipe that was read", job("recipe", metadata={"order": 42})),
    "queued": _named("Waiting: third in the queue", job("receipt", **_QUEUED)),
    "failed": _named("Failed with a stable error code", job("receipt", **_FAILED)),
}
_NEXT = "MjAyNi0wMy0xNFQwOTo0NTowMi4xMTgrMDA6MDB8M2YwYzZhNTI"
PAGE_EXAMPLES: Examples = {
    "page": _named(
        "Summaries, newest first; send next_cursor back as cursor for the next page",
        {
            "items": [job_summary("products", id=OTHER_JOB_ID), job_summary("receipt")],
            "next_cursor": _NEXT,
        },
    ),
    "full": _named(
        "?full=true: each job with its result",
        {"items": [job("products", id=OTHER_JOB_ID), job("receipt")], "next_cursor": _NEXT},
    ),
}
_CANCELLED = {"status": "cancelled", "result": None, "step": None, "progress": 0,
              "started_at": None}  # fmt: skip
_STOPPING = {"status": "running", "cancel_requested": True, "result": None, "step": "ocr",
             "progress": 40, "finished_at": None}  # fmt: skip
CANCELLED_EXAMPLES: Examples = {
    "cancelled": _named("A queued job, cancelled at once", job("receipt", **_CANCELLED))
}
STOPPING_EXAMPLES: Examples = {
    "stopping": _named("A running job, asked to stop", job("receipt", **_STOPPING))
}
RETRIED_EXAMPLES: Examples = {
    "queued": _named(
        "Queued again from its stored uploads", job("receipt", **(_QUEUED | {"position": 1}))
    )
}
TICKET_REQUEST: Examples = {
    "one_job": _named("Opens /v1/jobs/{id}/events only", {"job_id": JOB_ID}),
    "all_jobs": _named("Opens /v1/events", {}),
}
TICKET_EXAMPLES: Examples = {
    "ticket": _named(
        "Use it once within 60 s: /v1/jobs/{id}/events?ticket=…",
        {"ticket": "IJDa4pTMGN7Kela_6g2-U4BKaEZrD6TotXiif2gQTT0",
         "expires_at": "2026-03-14T09:46:02.118Z", "job_id": JOB_ID},
    )
}  # fmt: skip

_EVENTS: list[dict[str, Any]] = [
    {"type": "job.queued", "position": 1, "eta_seconds": 5.0},
    {"type": "job.started", "attempt": 1},
    {"type": "job.progress", "step": "validate", "progress": 0, "message": "Checking the files"},
    {"type": "job.progress", "step": "ocr", "progress": 15, "message": "Reading text"},
    {"type": "job.progress", "step": "check", "progress": 90, "message": "Checking the totals",
     "partial": {"merchant": {"name": "FRESH MARKET"}, "currency": "GBP", "total": "6.84"}},
    {"type": "job.succeeded", "result": {"merchant": {"name": "FRESH MARKET"}, "total": "6.84",
                                         "…": "the whole ReceiptResult"}},
]  # fmt: skip
_OTHER_EVENTS: list[dict[str, Any]] = [
    {"type": "job.retrying", "attempt": 1, "retry_at": "2026-03-14T09:45:06.000Z",
     "error": {"code": "transient", "message": "A temporary failure; the job is retried."}},
    {"type": "job.failed", "error": {"code": "no_text", "message": "No text was found."}},
    {"type": "job.cancelled"},
]  # fmt: skip


def _frames(events: list[dict[str, Any]], first_id: int, job_id: str = JOB_ID) -> str:
    frames = []
    for offset, fields in enumerate(events):
        event_id = first_id + offset
        event = {"type": fields["type"], "id": event_id, "timestamp": _AT, "job_id": job_id}
        event |= {"kind": "receipt"} | {k: v for k, v in fields.items() if k != "type"}
        frames.append(f"id: {event_id}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n")
    return "".join(frames)


EVENT_STREAM_EXAMPLES: Examples = {
    "receipt": _named(
        "A receipt's events, from the start: retry once, then one frame per event",
        "retry: 3000\n\n" + _frames(_EVENTS, 1) + ": heartbeat\n\n",
    ),
    "other_types": _named(
        "The other event types (each job ends with one of succeeded, failed, cancelled)",
        _frames(_OTHER_EVENTS, 57),
    ),
}
HEALTH_EXAMPLES: Examples = {"ok": _named("The process answers", {"status": "ok"})}
_READY = {
    "status": "ok",
    "database": "ok",
    "workers": 1,
    "queue_depth": {"paid": 2, "free": 0},
    "running": {"paid": 1, "free": 0},
    "finished": {"1m": 3, "5m": 12, "15m": 40},
    "worker_list": [
        {"id": "host-a-4242-41c824", "host": "host-a", "pid": 4242, "concurrency": 2,
         "running": 1, "kinds": ["products", "receipt", "recipe"], "heartbeat_age_s": 3.1}
    ],
    "ocr_languages": ["en", "pl", "ru"],
    "reason": None,
}  # fmt: skip
READY_EXAMPLES: Examples = {
    "ready": _named("A worker is alive", _READY),
    "bare": _named(
        "A worker is alive (to a client that may not see the details)",
        {"status": "ok", "database": "ok", "reason": None},
    ),
}
UNREADY_EXAMPLES: Examples = {
    "no_worker": _named(
        "No worker heartbeat",
        _READY | {"status": "unavailable", "workers": 0, "worker_list": [],
                  "reason": "no worker sent a heartbeat in the last 30 s"},
    )
}  # fmt: skip
METRICS_EXAMPLE = (
    "# HELP foodscan_queue_jobs Jobs queued or running, per lane and status.\n"
    "# TYPE foodscan_queue_jobs gauge\n"
    'foodscan_queue_jobs{lane="paid",status="queued"} 2.0\n'
    'foodscan_queue_jobs{lane="paid",status="running"} 1.0\n'
)
