"""The API SIGKILLed between a submit's commit and its reply (``api_crash``).

CI: 200 concurrent submits a round, on each engine, until a committed-but-unanswered submit was
seen (6 rounds at most); ``FOODSCAN_RELIABILITY_SCALE=long``: 1,000 a round.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import api_crash
from tests.reliability.harness import sized

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_a_retried_submit_gets_the_job_its_lost_reply_announced(
    database_url: str, tmp_path: Path
) -> None:
    figures = api_crash.run(database_url, tmp_path, submits=sized(200, 1000), max_rounds=6, seed=8)

    assert figures["findings"] == []
    assert (figures["doubled"], figures["lost"]) == (0, 0)
    assert figures["committed_unanswered"] >= 1, figures  # the case was exercised
