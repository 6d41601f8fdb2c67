"""The only place errors become HTTP: RFC 9457 ``application/problem+json`` with a stable ``code``.

Domain code raises ``FoodscanError`` subclasses and never ``HTTPException``; request validation
errors become ``422 invalid_input``; anything unexpected is logged and answered ``500``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from foodscan.errors import FoodscanError, InvalidInput, Limited

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:foodscan:problem:"
# OpenAPI ``responses`` of the routes that need a token: their 401 and 422 are problem documents
# (without this, FastAPI documents no 401 and its own JSON shape for 422).
ROUTE_PROBLEMS: dict[int | str, dict[str, Any]] = {  # Any: an OpenAPI fragment
    401: {"description": "Missing or invalid credentials", "content": {MEDIA_TYPE: {}}},
    422: {"description": "The request is invalid", "content": {MEDIA_TYPE: {}}},
}
# Codes for the few errors the framework itself raises (unknown route, wrong method).
_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_type",
}


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
    doc = (type(exc).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else _phrase(exc.status)


async def on_foodscan_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FoodscanError)  # noqa: S101 - registered for FoodscanError only
    if exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request failed: %s", exc.message, exc_info=exc)
    if isinstance(exc, Limited):
        return problem(
            exc.status,
            exc.code,
            exc.message,
            title=_title(exc),
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        )
    return problem(exc.status, exc.code, exc.message, title=_title(exc))


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    detail = (
        "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        or InvalidInput.__doc__
    )
    return problem(
        InvalidInput.status,
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
        return problem(
            InvalidInput.status, InvalidInput.code, str(exc.detail), title=_title(InvalidInput())
        )
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
