"""Server-Sent Events framing (the WHATWG event-stream format). The only place that writes frames.

An event is encoded once, when it is appended, and the same bytes go to every subscriber.
"""

from __future__ import annotations

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
    "Connection": "keep-alive",
}
HEARTBEAT = b": heartbeat\n\n"


def encode_event(event_id: int, data: str) -> bytes:
    """One ``id:`` + ``data:`` frame; newlines in ``data`` become extra ``data:`` lines."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"id: {event_id}\n{lines}\n".encode()


def encode_retry(milliseconds: int) -> bytes:
    """The reconnection delay a client should use, sent once at the start of a stream."""
    return f"retry: {milliseconds}\n\n".encode()


def encode_comment(text: str) -> bytes:
    """A comment line; clients ignore it, proxies see traffic."""
    return "".join(f": {line}\n" for line in text.split("\n")).encode() + b"\n"
