"""The event cursor a client resumes after: ``?after=`` or ``Last-Event-ID``, checked once.

An event id is a 64-bit signed integer in both databases, so a cursor outside 0 .. 2^63 - 1 is
refused here (``422 invalid_input``) before any stream opens: past it, SQLite raises
``OverflowError`` and asyncpg ``DataError`` from the first read, mid-stream, after a 200, and an
``EventSource`` would reconnect with it forever. Used by the SSE routes (through the stream's
dependency, so a ticket is not spent on a bad cursor) and by the WebSocket.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query

from foodscan.errors import InvalidInput

MAX_EVENT_ID = 2**63 - 1
_BAD = "must be an event id (an integer from 0 to 9223372036854775807)"

AfterQuery = Annotated[
    int | None, Query(ge=0, le=MAX_EVENT_ID, description="resume after this event id")
]
LastEventIdHeader = Annotated[str | None, Header(description="resume after this event id")]


def parse(name: str, text: str) -> int:
    """``text`` as an event id; ``InvalidInput`` naming ``name`` otherwise."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_EVENT_ID:
        raise InvalidInput(f"{name} {_BAD}")
    return int(value)


def resume_after(after: int | None, last_event_id: str | None) -> int | None:
    """The cursor to resume after: ``Last-Event-ID`` (the browser's latest) wins over ``after``;
    None when the client sent neither (a user stream then starts now)."""
    if last_event_id is not None and last_event_id.strip():
        return parse("Last-Event-ID", last_event_id)
    return after
