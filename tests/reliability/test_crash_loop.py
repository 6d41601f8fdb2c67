"""Workers SIGKILLed at random moments, N times, on SQLite and PostgreSQL (``crash_loop``).

CI: 10 kills per engine (20 in all); ``FOODSCAN_RELIABILITY_SCALE=long``: 100 per engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import crash_loop
from tests.reliability.harness import sized

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_every_job_ends_once_however_often_its_worker_is_killed(
    database_url: str, tmp_path: Path
) -> None:
    workers = 1 if database_url.startswith("sqlite") else 2
    figures = crash_loop.run(database_url, tmp_path, kills=sized(10, 100), workers=workers, seed=8)

    assert figures["findings"] == []
    assert (figures["lost"], figures["doubled"], figures["stuck"]) == (0, 0, 0)
    assert figures["other_retries"] == 0
    assert figures["kills_mid_job"] >= figures["kills"] // 2  # the kills did hit running jobs
    assert figures["rescues"] >= figures["kills_mid_job"]
