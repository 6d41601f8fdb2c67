"""An event's data is encoded once: the frame built around that text is the frame built from
the whole payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from foodscan.events.log import encode_data, to_record

AT = datetime(2026, 12, 6, 21, 40, 1, 234000, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "receipt"},
        {"kind": "receipt", "step": "read", "progress": 40, "message": "Lecture du reçu…"},
        {"kind": "recipe", "result": {"items": [{"name": "Crème brûlée", "qty": 1.5}], "n": None}},
        {"kind": "receipt", "error": {"code": "internal", "message": 'quote " and \\ and \n'}},
        {},
        {"kind": "receipt", "type": "overridden"},  # a head key: encoded the long way
    ],
)
def test_the_spliced_frame_is_the_encoded_frame(data: dict[str, Any]) -> None:
    slow = to_record(7, "job-1", "alice", "job.progress", data, AT)
    fast = to_record(7, "job-1", "alice", "job.progress", data, AT, encode_data(data))

    assert fast.frame == slow.frame
    assert fast.payload == slow.payload
    assert list(fast.payload) == list(slow.payload)  # contract order: type, id, timestamp, …
    text = fast.frame.decode().split("data: ", 1)[1].strip()
    assert json.loads(text) == slow.payload
