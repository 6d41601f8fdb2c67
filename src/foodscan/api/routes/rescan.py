"""``POST /v1/jobs/{id}/rescan``: a new job reading a finished job's stored uploads again.

Any client may scan a job again, not only the one that still has the files: the new job is of
the same kind, with the same ``lang``, ``options``, ``metadata`` and callback URL, and its own
*copy* of each upload (a new blob key), so the retention purge of either job never takes the
other's files. The original must be finished (succeeded, failed or cancelled: ``409``
otherwise) and still have its uploads (``410 inputs_purged`` once the upload retention deleted
them). It is a new job, so it passes what a submit passes: the plan's limits (its pages count
against the daily budget, unlike a retry), the fair queue of the caller's plan, the
Idempotency-Key (a replay answers ``200`` with the job it made), the callback URL's checks
(the SSRF rules, again: its host may resolve elsewhere now) and this node's OCR languages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from foodscan.api import examples
from foodscan.api.deps import BlobsDep, MetricsDep, PrincipalDep, SettingsDep, StoreDep
from foodscan.api.intake import check_idempotency_key, check_readable
from foodscan.api.problems import ROUTE_PROBLEMS, documented
from foodscan.api.routes.jobs import delete_blobs, insert_stored, preflight
from foodscan.api.schemas import Rescanned, job_path
from foodscan.auth import Principal
from foodscan.blobs import BlobStore
from foodscan.errors import (
    AuthError,
    CrossSiteRequest,
    IdempotencyConflict,
    InputsPurged,
    InvalidCallbackUrl,
    InvalidInput,
    InvalidTransition,
    LanguageUnavailable,
    NotFound,
    QuotaExceeded,
    RateLimited,
    TooManyActive,
    WebhooksUnavailable,
)
from foodscan.jobs.job import InputFile, Job
from foodscan.jobs.states import TERMINAL
from foodscan.jobs.store import JobView, Preflight, Submission
from foodscan.settings import Settings
from foodscan.webhooks.targets import accept_callback_url

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ROUTE_PROBLEMS)


@router.post(
    "/{job_id}/rescan",
    status_code=202,
    responses={
        200: {
            "model": Rescanned,
            "description": "the job this Idempotency-Key already made: an earlier result",
            "content": {"application/json": {"examples": examples.RESCAN_REPLAYED_EXAMPLES}},
        },
        **examples.json_examples(202, examples.RESCANNED_EXAMPLES),
        **documented(
            AuthError,
            CrossSiteRequest,
            NotFound,
            InvalidTransition,
            IdempotencyConflict,
            InputsPurged,
            InvalidInput,
            LanguageUnavailable,
            InvalidCallbackUrl,
            WebhooksUnavailable,
            RateLimited,
            QuotaExceeded,
            TooManyActive,
            details={
                InvalidTransition.code: f"job {examples.JOB_ID} is running; only finished "
                "(succeeded, failed or cancelled) jobs can be scanned again"
            },
        ),
    },
)
async def rescan_job(
    *,
    job_id: str,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    store: StoreDep,
    blobs: BlobsDep,
    settings: SettingsDep,
    instruments: MetricsDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Rescanned:
    """Scan a finished job's stored uploads again as a new job of the same kind and options;
    answers like a submit, with `rescan_of`."""
    key = check_idempotency_key(idempotency_key)
    original = (await store.get(principal.user_id, job_id)).job
    # A replay of this key answers first, whatever the original's state is now.
    found = await preflight(store, instruments, _ask(principal, original, key))
    if found is not None:
        return _answer(response, found, job_id, 200)
    _check_rescannable(original)
    if any(f.media_type.startswith("image/") for f in original.inputs):
        check_readable(original.lang, request.app.state.capabilities.ocr_languages)
    callback_url = await _callback_url(original, principal, settings)
    inputs = await _copy_inputs(blobs, original)
    keys = [f.blob_key for f in inputs]
    submission = _submission(principal, original, inputs, key, callback_url)
    # A concurrent rescan with the same key may win the race: then its job answers.
    view, new = await insert_stored(store, blobs, instruments, submission, keys)
    return _answer(response, view, job_id, 202 if new else 200)


def _request_hash(original: Job) -> str:
    """What makes two rescans "the same request" for an Idempotency-Key: the job scanned again
    (a key first used for another job's rescan, or for a submit, is ``idempotency_conflict``)."""
    text = json.dumps({"rescan_of": original.id}, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _ask(principal: Principal, original: Job, key: str | None) -> Preflight:
    return Preflight(
        user_id=principal.user_id,
        plan=principal.plan,
        kind=original.kind,
        pages=sum(f.pages for f in original.inputs),
        request_hash=_request_hash(original),
        idempotency_key=key,
        dedupe=False,
    )


def _check_rescannable(original: Job) -> None:
    if original.status not in TERMINAL:
        raise InvalidTransition(
            f"job {original.id} is {original.status}; only finished (succeeded, failed or "
            "cancelled) jobs can be scanned again"
        )
    if original.inputs_purged_at is not None:
        raise _purged(original)


def _purged(original: Job) -> InputsPurged:
    return InputsPurged(
        f"the uploads of job {original.id} were deleted after the upload retention; "
        "send the files again"
    )


async def _callback_url(original: Job, principal: Principal, settings: Settings) -> str | None:
    """The original's callback URL, checked again as a submit's is; None where it was the
    user's configured default (the new job gets the default configured now)."""
    if original.callback_url is None:
        return None
    if original.callback_url == settings.webhook_urls.get(principal.user_id):
        return None
    return await accept_callback_url(original.callback_url, settings)


async def _copy_inputs(blobs: BlobStore, original: Job) -> list[InputFile]:
    """A new blob of each upload; ``InputsPurged`` if one is gone (the purge may run meanwhile:
    it marks the job first, then deletes its blobs)."""
    copies: list[InputFile] = []
    try:
        for item in original.inputs:
            try:
                data = await blobs.get(item.blob_key)
            except NotFound as exc:
                raise _purged(original) from exc
            suffix = "." + item.blob_key.rsplit(".", 1)[-1] if "." in item.blob_key else ""
            copies.append(replace(item, blob_key=await blobs.put(data, suffix=suffix)))
    except BaseException:
        await delete_blobs(blobs, [f.blob_key for f in copies])
        raise
    return copies


def _submission(
    principal: Principal,
    original: Job,
    inputs: list[InputFile],
    key: str | None,
    callback_url: str | None,
) -> Submission:
    return Submission(
        user_id=principal.user_id,
        lane=principal.plan,
        kind=original.kind,
        inputs=inputs,
        lang=original.lang,
        options=original.options,
        client_metadata=original.client_metadata,
        idempotency_key=key,
        request_hash=_request_hash(original),
        callback_url=callback_url,
        dedupe=False,
    )


def _answer(response: Response, view: JobView, original_id: str, status: int) -> Rescanned:
    response.status_code = status
    response.headers["Location"] = job_path(view.job.id)
    return Rescanned.rescanning(view, original_id)
