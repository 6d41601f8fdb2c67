"""``ClientError``: what the client raises when the server refuses a request or cannot be reached.

A refusal carries the problem document's stable ``code`` (the codes of ``foodscan.errors``), its
HTTP ``status`` and ``detail``, and for a ``429`` the seconds its ``Retry-After`` asks to wait
(``retry_after``); a transport failure has ``code`` ``"unreachable"`` and no status. This module
reads responses; it never sends a request.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

UNREACHABLE = "unreachable"


class ClientError(Exception):
    """The foodscan server refused the request, or could not be reached."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,  # Any: the problem document's JSON
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.detail = detail
        self.status = status
        self.problem = problem or {}
        # Seconds the server asks to wait before sending the request again (429, some 503s).
        self.retry_after = retry_after
        where = f"HTTP {status}, {code}" if status is not None else code
        super().__init__(f"{detail} ({where})")


def from_response(response: httpx.Response) -> ClientError:
    """The error an answer of 400 or more stands for; its body must have been read."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    wait = retry_after(response.headers.get("Retry-After"))
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        detail = body.get("detail") or body.get("title") or response.reason_phrase
        if wait is None and isinstance(body.get("retry_after"), int | float):
            wait = max(0.0, float(body["retry_after"]))
        return ClientError(
            body["code"], str(detail), status=response.status_code, problem=body, retry_after=wait
        )
    text = response.text.strip()[:200] or response.reason_phrase
    return ClientError("http_error", text, status=response.status_code, retry_after=wait)


def retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds from now: delay-seconds or an HTTP date; None if absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def unreachable(request: httpx.Request, exc: httpx.TransportError) -> ClientError:
    """A request that got no answer (refused, reset, timed out)."""
    reason = str(exc) or type(exc).__name__
    return ClientError(UNREACHABLE, f"{request.method} {request.url} got no answer: {reason}")
