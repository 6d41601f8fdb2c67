"""``/v1/jobs``: submit, read, list, cancel and retry the caller's jobs.

A submit is checked against the plan's rate limits and budgets (``jobs.limits``) before its body
is read (as a job of one page: a user already over a limit costs one read, not a parsed body),
then in full (``api.intake``) and against the limits again before anything is stored; if storing
or queueing fails (the limits are checked again inside the insert's transaction), the blobs
already written are deleted, so a refused upload leaves nothing behind. Idempotent replays answer
whatever the limits; duplicate uploads answer before the later checks, once the early one passed:
the insert's transaction finds the earlier job (its new blob is deleted again), or the preflight
does when the limits refuse (``JobStore.preflight``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from foodscan.api import examples
from foodscan.api.deps import PrincipalDep, ServicesDep, StoreDep
from foodscan.api.intake import Intake, check_idempotency_key, read_submission
from foodscan.api.problems import ROUTE_PROBLEMS, documented
from foodscan.api.schemas import FullJobPage, JobOut, JobPage, JobSummary, Submitted, job_path
from foodscan.auth import Principal
from foodscan.blobs import BlobStore
from foodscan.errors import (
    AuthError,
    CrossSiteRequest,
    IdempotencyConflict,
    InvalidCallbackUrl,
    InvalidInput,
    InvalidTransition,
    LanguageUnavailable,
    Limited,
    NotFound,
    QuotaExceeded,
    RateLimited,
    TooLarge,
    TooMany,
    TooManyActive,
    UnsupportedType,
    WebhooksUnavailable,
)
from foodscan.jobs.job import InputFile
from foodscan.jobs.states import Status
from foodscan.jobs.store import JobStore, JobView, Preflight, Submission
from foodscan.metrics import Metrics
from foodscan.pipelines import registry

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ROUTE_PROBLEMS)

_SUBMIT_BODY: dict[str, Any] = {  # Any: an OpenAPI fragment; the form is parsed by hand
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": registry.kinds()},
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "one file (several for products)",
                        },
                        "lang": {"type": "string", "description": "e.g. en, pl, eng+pol"},
                        "options": {"type": "string", "description": "a JSON object"},
                        "metadata": {
                            "type": "string",
                            "description": "a small JSON object, echoed back with the job",
                        },
                        "rescan": {
                            "type": "boolean",
                            "default": False,
                            "description": "true: run again even if the same files and options "
                            "already have a job within the upload retention (which otherwise "
                            "answers 200); an Idempotency-Key replay still answers 200",
                        },
                        "callback_url": {
                            "type": "string",
                            "format": "uri",
                            "description": "http(s) URL that gets the terminal event, signed "
                            "per Standard Webhooks (default: the user's configured URL)",
                        },
                    },
                },
                "examples": examples.SUBMIT_REQUEST,
            }
        },
    }
}


@router.post(
    "",
    status_code=202,
    openapi_extra=_SUBMIT_BODY,
    responses={
        200: {
            "model": Submitted,
            "description": "the job this Idempotency-Key (or, without `rescan=true`, the same "
            "upload) already made: an earlier result",
            "content": {"application/json": {"examples": examples.REPLAYED_EXAMPLES}},
        },
        **examples.json_examples(202, examples.SUBMITTED_EXAMPLES),
        **documented(
            AuthError,
            CrossSiteRequest,
            IdempotencyConflict,
            TooLarge,
            UnsupportedType,
            InvalidInput,
            TooMany,
            LanguageUnavailable,
            InvalidCallbackUrl,
            WebhooksUnavailable,
            RateLimited,
            QuotaExceeded,
            TooManyActive,
        ),
    },
)
async def submit(
    *,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    services: ServicesDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Submitted:
    """Check the upload, store it and queue a job; answers at once with where to follow it."""
    store, blobs, instruments = services.store, services.blobs, services.metrics
    settings = services.settings
    key = check_idempotency_key(idempotency_key)
    try:
        await store.check_early(principal.user_id, principal.plan, key)
    except Limited as exc:
        instruments.refused.labels(exc.code).inc()
        raise
    intake = await read_submission(request, settings)
    # A replay of this key, or (without one) the same files and options again within upload
    # retention: the earlier job answers. Else the plan's limits, before any blob is stored.
    found = await preflight(store, instruments, _ask(principal, intake, key))
    if found is not None:
        return _submitted(response, found, 200)
    keys = await _store_blobs(blobs, intake)
    submission = _submission(principal, intake, keys, key)
    view, new = await insert_stored(store, blobs, instruments, submission, keys)
    if not new:
        return _submitted(response, view, 200)
    instruments.upload_bytes.labels(view.job.kind).inc(sum(f.size for f in view.job.inputs))
    return _submitted(response, view, 202)


async def insert_stored(
    store: JobStore, blobs: BlobStore, instruments: Metrics, submission: Submission, keys: list[str]
) -> tuple[JobView, bool]:
    """``store.submit`` of a job whose input blobs are stored under ``keys``; true with it when
    this request made the job. The blobs are deleted again when the insert fails, or when a
    concurrent request with the same key (or upload) won the race: its job answers, false."""
    try:
        view = await store.submit(submission, enforce_limits=True)
    except Limited as exc:
        instruments.refused.labels(exc.code).inc()
        await delete_blobs(blobs, keys)
        raise
    except BaseException:
        await delete_blobs(blobs, keys)
        raise
    if [f.blob_key for f in view.job.inputs] != keys:
        await delete_blobs(blobs, keys)
        return view, False
    instruments.submitted.labels(view.job.kind, view.job.lane).inc()
    return view, True


async def preflight(store: JobStore, instruments: Metrics, ask: Preflight) -> JobView | None:
    """``store.preflight``; a refusal by the plan's limits is counted (``store.submit`` checks
    them again, under the user's lock)."""
    try:
        return await store.preflight(ask)
    except Limited as exc:
        instruments.refused.labels(exc.code).inc()
        raise


def _ask(principal: Principal, intake: Intake, key: str | None) -> Preflight:
    return Preflight(
        user_id=principal.user_id,
        plan=principal.plan,
        kind=intake.kind,
        pages=sum(f.inspected.pages for f in intake.files),
        request_hash=intake.request_hash,
        idempotency_key=key,
        dedupe=intake.dedupe,
    )


def _submitted(response: Response, view: JobView, status: int) -> Submitted:
    response.status_code = status
    response.headers["Location"] = job_path(view.job.id)
    return Submitted.of(view)


def _submission(
    principal: Principal, intake: Intake, keys: list[str], idempotency_key: str | None
) -> Submission:
    inputs = [
        InputFile(
            blob_key=blob_key,
            sha256=f.inspected.sha256,
            media_type=f.inspected.media_type,
            size=f.inspected.size,
            name=f.name,
            pages=f.inspected.pages,
        )
        for blob_key, f in zip(keys, intake.files, strict=True)
    ]
    return Submission(
        user_id=principal.user_id,
        lane=principal.plan,
        kind=intake.kind,
        inputs=inputs,
        lang=intake.lang,
        options=intake.options,
        client_metadata=intake.metadata,
        idempotency_key=idempotency_key,
        request_hash=intake.request_hash,
        callback_url=intake.callback_url,
        dedupe=intake.dedupe,
    )


async def _store_blobs(blobs: BlobStore, intake: Intake) -> list[str]:
    keys: list[str] = []
    try:
        for upload in intake.files:
            keys.append(await blobs.put(upload.data, suffix=upload.suffix))
    except BaseException:
        await delete_blobs(blobs, keys)
        raise
    return keys


async def delete_blobs(blobs: BlobStore, keys: list[str]) -> None:
    for key in keys:
        try:
            await blobs.delete(key)
        except OSError:
            logger.exception("could not delete blob %s of a refused upload", key)


@router.get("", responses=examples.json_examples(200, examples.PAGE_EXAMPLES))
async def list_jobs(
    *,
    principal: PrincipalDep,
    store: StoreDep,
    status: Status | None = None,
    kind: str | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    full: Annotated[
        bool, Query(description="each job in full, with its result (default: a summary)")
    ] = False,
) -> JobPage | FullJobPage:
    """The caller's jobs, newest first, each as a summary (``?full=true``: with its result);
    send ``next_cursor`` back as ``cursor`` for more."""
    if kind is not None and kind not in registry.kinds():
        raise InvalidInput(f"unknown kind {kind!r}; known kinds: {', '.join(registry.kinds())}")
    page = await store.list(principal.user_id, status=status, kind=kind, cursor=cursor, limit=limit)
    views = [JobView(job, deliveries=tuple(page.deliveries.get(job.id, ()))) for job in page.jobs]
    if full:
        return FullJobPage(items=[JobOut.of(v) for v in views], next_cursor=page.next_cursor)
    return JobPage(items=[JobSummary.of(v) for v in views], next_cursor=page.next_cursor)


@router.get(
    "/{job_id}",
    responses={
        **examples.json_examples(200, examples.JOB_EXAMPLES),
        **documented(AuthError, NotFound, InvalidInput),
    },
)
async def get_job(job_id: str, principal: PrincipalDep, store: StoreDep) -> JobOut:
    """One job: status, step, progress, attempts, timestamps, result or error, queue place."""
    return JobOut.of(await store.get(principal.user_id, job_id))


@router.delete(
    "/{job_id}",
    responses={
        **examples.json_examples(200, examples.CANCELLED_EXAMPLES),
        202: {
            "model": JobOut,
            "description": "the running job was asked to stop",
            "content": {"application/json": {"examples": examples.STOPPING_EXAMPLES}},
        },
        **documented(AuthError, CrossSiteRequest, NotFound, InvalidTransition, InvalidInput),
    },
)
async def cancel_job(
    job_id: str, response: Response, principal: PrincipalDep, store: StoreDep
) -> JobOut:
    """Cancel: a queued job at once (200); a running job stops within a second (202)."""
    view = await store.cancel(principal.user_id, job_id)
    response.status_code = 200 if view.job.status == Status.CANCELLED else 202
    return JobOut.of(view)


@router.post(
    "/{job_id}/retry",
    status_code=202,
    responses={
        **examples.json_examples(202, examples.RETRIED_EXAMPLES),
        **documented(
            AuthError,
            CrossSiteRequest,
            NotFound,
            InvalidTransition,
            InvalidInput,
            RateLimited,
            TooManyActive,
            details={
                InvalidTransition.code: f"job {examples.JOB_ID} is queued; only failed or "
                "cancelled jobs can be retried"
            },
        ),
    },
)
async def retry_job(
    job_id: str, response: Response, principal: PrincipalDep, store: StoreDep
) -> JobOut:
    """Queue a failed or cancelled job again from its stored uploads."""
    view = await store.retry(principal.user_id, job_id, plan=principal.plan)
    response.headers["Location"] = job_path(job_id)
    return JobOut.of(view)
