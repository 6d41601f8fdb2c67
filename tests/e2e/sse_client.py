"""A small SSE reader for the tests (parses ``id:``/``data:`` frames, counts comments)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Frame:
    id: int | None
    data: dict[str, Any]


@dataclass
class Stream:
    frames: list[Frame] = field(default_factory=list)
    comments: int = 0
    retry_ms: int | None = None


def frames(response: httpx.Response, stream: Stream | None = None) -> Iterator[Frame]:
    """Yield each event frame of a streaming response as it arrives."""
    stream = stream or Stream()
    event_id: int | None = None
    data: list[str] = []
    for line in response.iter_lines():
        if line.startswith(":"):
            stream.comments += 1
        elif line.startswith("retry:"):
            stream.retry_ms = int(line[6:].strip())
        elif line.startswith("id:"):
            event_id = int(line[3:].strip())
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line == "" and data:
            frame = Frame(event_id, json.loads("\n".join(data)))
            stream.frames.append(frame)
            yield frame
            event_id, data = None, []
