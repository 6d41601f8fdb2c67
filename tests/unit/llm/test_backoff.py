"""Waits between LLM attempts: exponential with jitter, never shorter than Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from foodscan.llm.backoff import delay, retry_after

NOW = datetime(2026, 11, 23, 10, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "Mon, 23 Nov 2026 10:30:07 GMT"}, 7.0),
        ({"retry-after": "Mon, 23 Nov 2026 10:29:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_milliseconds_and_dates(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after(headers, now=NOW) == seconds


def test_the_delay_doubles_per_attempt_up_to_the_cap_with_jitter() -> None:
    lowest = [delay(n, base_s=1.0, max_s=5.0, rand=lambda: 0.0) for n in (1, 2, 3, 4)]
    highest = [delay(n, base_s=1.0, max_s=5.0, rand=lambda: 1.0) for n in (1, 2, 3, 4)]
    assert lowest == [0.5, 1.0, 2.0, 2.5]
    assert highest == [1.0, 2.0, 4.0, 5.0]


def test_the_delay_is_never_shorter_than_what_the_server_asked() -> None:
    assert delay(1, base_s=1.0, max_s=5.0, asked_s=4.0, rand=lambda: 0.0) == 4.0
    assert delay(3, base_s=1.0, max_s=5.0, asked_s=0.1, rand=lambda: 1.0) == 4.0
