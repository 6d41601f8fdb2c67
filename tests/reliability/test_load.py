"""The load run at CI size (``load``): 100 SSE clients over 10 users, 10 submits a second for
15 s, against an API and two workers on PostgreSQL. ``FOODSCAN_RELIABILITY_SCALE=long``: 1,000
clients over 50 users, 50 a second for 5 minutes. Latencies and memory are figures (printed),
not asserted: what is asserted is that nothing was lost, doubled, stuck, refused or out of
order, and that every client's events equal the log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability import load
from tests.reliability.harness import sized
from tests.reliability.load_checks import failures

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(1800)]


def test_every_client_sees_exactly_the_log_under_load(postgres_url: str, tmp_path: Path) -> None:
    figures = load.run(
        postgres_url,
        tmp_path,
        minutes=sized(15, 300) / 60,
        clients=sized(100, 1000),
        rate=sized(10, 50),
        user_count=sized(10, 50),
        job_stream_every=sized(10, 50),
    )
    print(json.dumps(figures, indent=2))  # noqa: T201 - the figures, for the CI log

    assert failures(figures) == [], figures
    assert figures["submits"] == figures["submit_statuses"].get("202"), figures
    assert figures["frames_received"] >= figures["events_logged"], figures
