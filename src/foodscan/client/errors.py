"""``ClientError``: what the client raises when the server refuses a request or cannot be reached.

A refusal carries the problem document's stable ``code`` (the codes of ``foodscan.errors``), its
HTTP ``status`` and ``detail``; a transport failure has ``code`` ``"unreachable"`` and no status.
This module reads responses; it never sends a request.
"""

from __future__ import annotations

import json
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
    ) -> None:
        self.code = code
        self.detail = detail
        self.status = status
        self.problem = problem or {}
        where = f"HTTP {status}, {code}" if status is not None else code
        super().__init__(f"{detail} ({where})")


def from_response(response: httpx.Response) -> ClientError:
    """The error an answer of 400 or more stands for; its body must have been read."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        detail = body.get("detail") or body.get("title") or response.reason_phrase
        return ClientError(body["code"], str(detail), status=response.status_code, problem=body)
    text = response.text.strip()[:200] or response.reason_phrase
    return ClientError("http_error", text, status=response.status_code)


def unreachable(request: httpx.Request, exc: httpx.TransportError) -> ClientError:
    """A request that got no answer (refused, reset, timed out)."""
    reason = str(exc) or type(exc).__name__
    return ClientError(UNREACHABLE, f"{request.method} {request.url} got no answer: {reason}")
