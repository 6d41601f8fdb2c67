"""SSE framing: frames a WHATWG EventSource parser reads back exactly, and the record's frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from foodscan.events.log import TERMINAL_TYPES, to_record
from foodscan.events.sse_frames import (
    HEADERS,
    HEARTBEAT,
    encode_comment,
    encode_event,
    encode_retry,
)


def parse(stream: bytes) -> list[dict[str, str]]:
    """A minimal event-stream parser (WHATWG "interpreting an event stream")."""
    events: list[dict[str, str]] = []
    fields: dict[str, list[str]] = {}
    for line in stream.decode().split("\n"):
        if line == "":
            if fields:
                events.append({name: "\n".join(values) for name, values in fields.items()})
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    return events


def test_event_frame_carries_id_and_data() -> None:
    frame = encode_event(42, '{"type":"job.queued"}')
    assert frame == b'id: 42\ndata: {"type":"job.queued"}\n\n'
    assert parse(frame) == [{"id": "42", "data": '{"type":"job.queued"}'}]


@pytest.mark.parametrize("data", ["two\nlines", "trailing\n", "\nleading", "", "a\n\nb"])
def test_newlines_in_data_survive_as_extra_data_lines(data: str) -> None:
    frame = encode_event(1, data)
    assert frame.endswith(b"\n\n")
    assert parse(frame) == [{"id": "1", "data": data}]


def test_unicode_is_sent_as_utf8() -> None:
    frame = encode_event(3, "Zakupy: żółć, 12,50 zł, 100 ₽")
    assert "żółć".encode() in frame
    assert parse(frame)[0]["data"] == "Zakupy: żółć, 12,50 zł, 100 ₽"


def test_frames_concatenate_into_a_stream() -> None:
    stream = encode_retry(3000) + encode_event(1, "a") + HEARTBEAT + encode_event(2, "b")
    assert parse(stream) == [{"retry": "3000"}, {"id": "1", "data": "a"}, {"id": "2", "data": "b"}]


def test_retry_frame() -> None:
    assert encode_retry(1500) == b"retry: 1500\n\n"


def test_comments_are_ignored_by_clients() -> None:
    assert encode_comment("keep\nalive") == b": keep\n: alive\n\n"
    assert parse(encode_comment("keep\nalive") + HEARTBEAT) == []
    assert HEARTBEAT.startswith(b":")
    assert HEARTBEAT.endswith(b"\n\n")


def test_headers_stop_proxies_from_buffering() -> None:
    assert HEADERS["X-Accel-Buffering"] == "no"
    assert "no-cache" in HEADERS["Cache-Control"]
    assert "no-transform" in HEADERS["Cache-Control"]


def test_record_payload_starts_with_the_contract_fields_and_frame_matches_it() -> None:
    at = datetime(2026, 11, 23, 10, 30, 5, 120456, tzinfo=UTC)
    data = {"kind": "receipt", "step": "ocr", "progress": 40, "message": "Reading\ntext"}

    record = to_record(1842, "job-1", "alice", "job.progress", data, at)

    assert list(record.payload) == [
        "type",
        "id",
        "timestamp",
        "job_id",
        "kind",
        "step",
        "progress",
        "message",
    ]
    assert record.payload["timestamp"] == "2026-11-23T10:30:05.120Z"
    (event,) = parse(record.frame)
    assert event["id"] == "1842"
    assert "\n" not in event["data"]  # JSON escapes newlines: one data line per event
    assert json.loads(event["data"]) == record.payload
    assert not record.terminal


@pytest.mark.parametrize("type_", sorted(TERMINAL_TYPES))
def test_terminal_types_end_a_job_stream(type_: str) -> None:
    assert to_record(1, "j", "u", type_, {}, datetime.now(UTC)).terminal
