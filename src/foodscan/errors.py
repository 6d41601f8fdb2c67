"""The exception tree of foodscan and its stable codes.

::

    FoodscanError
    ├── InputError ─────── UnsupportedType, TooLarge, TooMany, InvalidInput, LanguageUnavailable,
    │                      WebhooksUnavailable, InvalidCallbackUrl ── CallbackUnresolvable
    ├── AuthError
    ├── CrossSiteRequest, HostNotAllowed, RequestTimeout     (refused at the API's edge)
    ├── Limited (with retry_after) ── RateLimited, QuotaExceeded, TooManyActive
    ├── NotFound
    ├── InputsPurged                                          (the uploads are past retention)
    ├── Conflict ───────── IdempotencyConflict, InvalidTransition
    └── JobError
        ├── TransientError (retry with backoff) ── LlmUnavailable
        ├── PermanentError (fail now) ── UnreadableFile, NoTextFound, LlmRejected,
        │                                LlmInvalidAnswer
        ├── LeaseLost, Cancelled, TimeLimit, Lost

Codes are API: never rename one. ``api/problems.py`` alone maps these to HTTP status codes;
nothing here knows HTTP.
"""

from __future__ import annotations


class FoodscanError(Exception):
    """Something went wrong in foodscan."""

    code = "error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or self.code).strip()
        super().__init__(self.message)


class InputError(FoodscanError):
    """The request is not acceptable."""

    code = "invalid_input"


class UnsupportedType(InputError):
    """The file type is not supported."""

    code = "unsupported_type"


class TooLarge(InputError):
    """The upload is too large."""

    code = "too_large"


class TooMany(InputError):
    """Too many files, pages or pixels."""

    code = "too_many"


class InvalidInput(InputError):
    """A field of the request is invalid."""

    code = "invalid_input"


class LanguageUnavailable(InputError):
    """This server cannot read the language asked for (its OCR data is not installed)."""

    code = "language_unavailable"


class InvalidCallbackUrl(InputError):
    """The callback URL cannot be used: not http(s), malformed, unresolvable or not public."""

    code = "invalid_callback_url"


class CallbackUnresolvable(InvalidCallbackUrl):
    """The callback URL's host does not resolve (now: a later delivery attempt may succeed)."""


class WebhooksUnavailable(InputError):
    """This server sends no webhooks: it has no webhook secret configured."""

    code = "webhooks_unavailable"


class AuthError(FoodscanError):
    """Missing or invalid credentials."""

    code = "unauthorized"


class CrossSiteRequest(FoodscanError):
    """A page of another site sent this request (its Origin or Sec-Fetch-Site says so)."""

    code = "cross_site_request"


class HostNotAllowed(FoodscanError):
    """The Host header names no address this server answers to."""

    code = "host_not_allowed"


class RequestTimeout(FoodscanError):
    """The request did not arrive in time."""

    code = "request_timeout"


class Limited(FoodscanError):
    """The user's plan does not allow this now; try again after ``retry_after`` seconds."""

    code = "limited"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class RateLimited(Limited):
    """Too many submits in the last minute."""

    code = "rate_limited"


class QuotaExceeded(Limited):
    """The plan's daily budget of pages is used up."""

    code = "quota_exceeded"


class TooManyActive(Limited):
    """Too many of the user's jobs are queued or running."""

    code = "too_many_active_jobs"


class NotFound(FoodscanError):
    """No such resource."""

    code = "not_found"


class InputsPurged(FoodscanError):
    """The job's uploads were deleted after the upload retention; send the files again."""

    code = "inputs_purged"


class Conflict(FoodscanError):
    """The request conflicts with the current state."""

    code = "conflict"


class IdempotencyConflict(Conflict):
    """This Idempotency-Key was already used with a different request."""

    code = "idempotency_conflict"


class InvalidTransition(Conflict):
    """The job is not in a state that allows this."""

    code = "invalid_transition"


class JobError(FoodscanError):
    """A job could not be completed."""

    code = "job_error"


class TransientError(JobError):
    """A temporary failure; the job is retried with backoff."""

    code = "transient"


class PermanentError(JobError):
    """A failure that retrying cannot fix."""

    code = "permanent"


class UnreadableFile(PermanentError):
    """The file could not be decoded."""

    code = "unreadable_file"


class NoTextFound(PermanentError):
    """No text was found in the document."""

    code = "no_text"


class LlmUnavailable(TransientError):
    """The vision-LLM did not answer (timeouts, 429 or 5xx on every attempt, or its circuit
    breaker is open)."""

    code = "llm_unavailable"


class LlmRejected(PermanentError):
    """The vision-LLM endpoint refused the request (a 4xx answer other than 429: a bad key, an
    unknown model, a request it cannot take)."""

    code = "llm_rejected"


class LlmInvalidAnswer(PermanentError):
    """The vision-LLM's answer did not match the result schema, even after one repair turn."""

    code = "llm_invalid_answer"


class LeaseLost(JobError):
    """This worker no longer holds the job's lease."""

    code = "lease_lost"


class Cancelled(JobError):
    """The job was cancelled."""

    code = "cancelled"


class TimeLimit(JobError):
    """The job ran past the time limit of its kind."""

    code = "timeout"


class Lost(JobError):
    """The job's worker vanished too many times."""

    code = "lost"
