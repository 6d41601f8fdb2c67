"""``ClientError.retry_after`` from a refusal: the ``Retry-After`` header in either of its forms,
else the problem document's ``retry_after``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from foodscan.client.errors import from_response, retry_after

PROBLEM = {"type": "urn:foodscan:problem:rate_limited", "status": 429, "code": "rate_limited"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("42", 42.0), (" 7 ", 7.0), ("0", 0.0), ("-3", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_reads_delay_seconds(header: str | None, expected: float | None) -> None:
    assert retry_after(header) == expected


def test_retry_after_reads_an_http_date_as_seconds_from_now() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=90), usegmt=True)

    seconds = retry_after(later)
    assert seconds is not None
    assert 85 <= seconds <= 90
    assert retry_after(past) == 0.0


def test_a_429_carries_the_header_and_falls_back_to_the_body() -> None:
    with_header = httpx.Response(429, headers={"Retry-After": "12"}, json=PROBLEM)
    body_only = httpx.Response(429, json=PROBLEM | {"retry_after": 30})
    neither = httpx.Response(429, json=PROBLEM)
    not_foodscan = httpx.Response(503, headers={"Retry-After": "5"}, text="busy")

    assert from_response(with_header).retry_after == 12.0
    assert from_response(body_only).retry_after == 30.0
    assert from_response(neither).retry_after is None
    assert from_response(not_foodscan).retry_after == 5.0
    assert from_response(not_foodscan).code == "http_error"
