"""The only place errors become HTTP: RFC 9457 ``application/problem+json`` with a stable ``code``.

Domain code raises ``FoodscanError`` subclasses and never ``HTTPException``; request validation
errors become ``422 invalid_input``; anything unexpected is logged and answered ``500``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from foodscan.errors import (
    AuthError,
    Conflict,
    CrossSiteRequest,
    FoodscanError,
    HostNotAllowed,
    InputError,
    InputsPurged,
    InvalidCallbackUrl,
    InvalidInput,
    InvalidTransition,
    LanguageUnavailable,
    Limited,
    NotFound,
    QuotaExceeded,
    RateLimited,
    RequestTimeout,
    TooLarge,
    TooMany,
    TooManyActive,
    UnsupportedType,
    WebhooksUnavailable,
)

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:foodscan:problem:"
PROBLEM_REF = "#/components/schemas/Problem"  # ``api/openapi.py`` adds ``Problem`` there
# The HTTP status of each error, by the nearest class in its MRO; anything else is 500.
STATUSES: dict[type[FoodscanError], int] = {
    InputError: 422,
    UnsupportedType: 415,
    TooLarge: 413,
    AuthError: 401,
    CrossSiteRequest: 403,
    HostNotAllowed: 421,
    RequestTimeout: 408,
    Limited: 429,
    NotFound: 404,
    InputsPurged: 410,
    Conflict: 409,
}
# Codes for the few errors the framework itself raises (unknown route, wrong method).
_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_type",
}


class FieldProblem(BaseModel):
    """One field that failed request validation."""

    loc: list[str | int] = Field(description="where: e.g. ['query', 'limit']")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document: the body of every error answer (`application/problem+json`).

    `code` is the stable name to branch on (never renamed); `detail` is for people and may
    change."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`urn:foodscan:problem:` and the code")
    title: str = Field(description="the same short summary for every problem of this code")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong with this request")
    code: str = Field(description="stable error code")
    retry_after: int | None = Field(
        default=None, description="429 only: seconds to wait, as in the Retry-After header"
    )
    errors: list[FieldProblem] | None = Field(
        default=None, description="request validation only: each field that failed"
    )


# Example ``detail`` of each code in the OpenAPI document (default: the error's docstring).
_EXAMPLE_DETAILS = {
    AuthError.code: "missing bearer token",
    CrossSiteRequest.code: "requests from pages of http://evil.example are not accepted here",
    NotFound.code: "no job 3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90",
    InvalidTransition.code: "job 3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90 is succeeded and cannot "
    "be cancelled",
    TooLarge.code: "receipt.jpg: the file is 14.2 MiB; the limit is 10 MiB",
    UnsupportedType.code: "notes.txt: receipt jobs accept application/pdf, image/jpeg, "
    "image/png, image/webp, not text/plain",
    TooMany.code: "products jobs take at most 10 file(s), got 11",
    InvalidInput.code: "'options' must be a JSON object",
    LanguageUnavailable.code: "this server cannot read ru from photos (FOODSCAN_TESSDATA_DIR "
    "has no rus.traineddata); it reads en, pl",
    InvalidCallbackUrl.code: "the callback URL must be http:// or https://",
    WebhooksUnavailable.code: "this server sends no webhooks (FOODSCAN_WEBHOOK_SECRET is not "
    "set); drop callback_url or follow the job over SSE",
    InputsPurged.code: "the uploads of job 3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90 were deleted "
    "after the upload retention (7 days); send the files again",
    RateLimited.code: "at most 10 submits per minute on this plan",
    QuotaExceeded.code: "200 of the plan's 200 pages a day are used; this job has 1",
    TooManyActive.code: "20 of your jobs are queued or running; the plan allows 20 at once",
}
_EXAMPLE_RETRY_AFTER = {RateLimited.code: 42, QuotaExceeded.code: 3600, TooManyActive.code: 5}
_HEADERS: dict[int, dict[str, Any]] = {  # Any: OpenAPI header objects
    HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}
    },
    HTTPStatus.TOO_MANY_REQUESTS: {
        "Retry-After": {
            "description": "seconds to wait before sending it again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def status_of(error: type[FoodscanError]) -> int:
    """The HTTP status ``error`` is answered with."""
    for cls in error.__mro__:
        if cls in STATUSES:
            return STATUSES[cls]
    return 500


def example(error: type[FoodscanError], detail: str | None = None) -> dict[str, Any]:
    """The problem document ``error`` is answered with, as an example (Any: JSON)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + error.code,
        "title": _class_title(error),
        "status": status_of(error),
        "detail": detail or _EXAMPLE_DETAILS.get(error.code) or _class_title(error),
        "code": error.code,
    }
    if issubclass(error, Limited):
        body["retry_after"] = _EXAMPLE_RETRY_AFTER.get(error.code, 30)
    return body


def documented(
    *errors: type[FoodscanError], details: Mapping[str, str] | None = None
) -> dict[int | str, dict[str, Any]]:  # Any: OpenAPI response objects
    """OpenAPI ``responses`` for the errors an operation answers with: per status, the problem
    schema, its headers and one example per code (``details`` overrides an example's detail)."""
    found: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        status = status_of(error)
        response = found.setdefault(
            status,
            {
                "description": _phrase(status),
                "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}, "examples": {}}},
            },
        )
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        response["content"][MEDIA_TYPE]["examples"][error.code] = {
            "summary": _class_title(error),
            "value": example(error, (details or {}).get(error.code)),
        }
    for response in found.values():
        codes = ", ".join(f"`{code}`" for code in response["content"][MEDIA_TYPE]["examples"])
        response["description"] += f" ({codes})"
    return found


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,  # Any: extension members are arbitrary JSON
) -> JSONResponse:
    """One problem document; ``type`` is a stable URN built from ``code``."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    all_headers = dict(headers or {})
    if status == HTTPStatus.UNAUTHORIZED:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=MEDIA_TYPE)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _title(exc: FoodscanError) -> str:
    """The class's docstring: the same short summary for every occurrence of the problem type."""
    return _class_title(type(exc))


def _class_title(error: type[FoodscanError]) -> str:
    doc = (error.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else _phrase(status_of(error))


# The errors every route that needs a token may answer (without this, FastAPI documents no 401
# and its own JSON shape for 422); a route's own ``responses`` list the rest.
ROUTE_PROBLEMS = documented(AuthError, InvalidInput)


def answer(exc: FoodscanError) -> JSONResponse:
    """The problem document of ``exc``, with ``Retry-After`` for a ``Limited``."""
    status = status_of(type(exc))
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request failed: %s", exc.message, exc_info=exc)
    if isinstance(exc, Limited):
        return problem(
            status,
            exc.code,
            exc.message,
            title=_title(exc),
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        )
    return problem(status, exc.code, exc.message, title=_title(exc))


async def on_foodscan_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FoodscanError)  # noqa: S101 - registered for FoodscanError only
    return answer(exc)


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    return invalid(exc.errors())


def invalid(found: Sequence[Mapping[str, Any]]) -> JSONResponse:
    """``422 invalid_input`` listing each field that failed validation (pydantic's errors, their
    ``loc`` naming where: ``["query", "after"]``). Any: pydantic's error dictionaries."""
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in found
    ]
    detail = (
        "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        or InvalidInput.__doc__
    )
    return problem(
        status_of(InvalidInput),
        InvalidInput.code,
        str(detail),
        title=_title(InvalidInput()),
        errors=errors,
    )


async def on_http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    if exc.status_code == HTTPStatus.BAD_REQUEST:
        # FastAPI's "error parsing the body" (bytes that are not JSON text): an invalid request
        # like any other, 422 ``invalid_input`` as a malformed multipart body already is.
        return answer(InvalidInput(str(exc.detail)))
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, str(exc.detail), headers=dict(exc.headers or {}))


async def on_client_disconnect(request: Request, _exc: Exception) -> JSONResponse:
    # The client left mid-upload: nobody reads this answer, and it is not a server error.
    logger.info("client disconnected during %s %s", request.method, request.url.path)
    return problem(400, "client_disconnected", "The client closed the connection.")


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal", "An unexpected error occurred; it was logged.")


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(FoodscanError, on_foodscan_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(ClientDisconnect, on_client_disconnect)
    app.add_exception_handler(Exception, on_unexpected)
