"""The service benchmarks (``bench/http_submit.py``, ``bench/sse_fanout.py``) in a tiny mode.

They run as their scripts run, against real ``foodscan serve`` subprocesses on loopback, for a
second or two per phase. No timing is asserted (the figures are the benchmarks' to print);
what is checked is that every phase completes, every submit is accepted, and every published
event reaches every client of its user exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
pytestmark = pytest.mark.slow


def _run(script: str, *args: str, timeout: float = 120) -> None:
    subprocess.run(
        [sys.executable, str(BENCH / script), *args], check=True, timeout=timeout, cwd=BENCH
    )


def test_http_submit_accepts_every_upload(tmp_path: Path) -> None:
    _run(
        "http_submit.py",
        "--tiny",
        "--duration=1",
        "--warmup=0.2",
        "--concurrency=1,4",
        "--targets=bare,sqlite",
        f"--out={tmp_path}",
    )

    found = json.loads((tmp_path / "http_submit.json").read_text())
    for target in ("bare", "sqlite"):
        levels = found["targets"][target]
        assert [level["concurrency"] for level in levels] == [1, 4]
        assert all(level["requests"] > 0 and not level["errors"] for level in levels)
    assert found["ratio_at_16"] == {"sqlite": None}  # no level at 16 in this run
    assert (tmp_path / "http_submit.md").read_text().startswith("# HTTP submit")


@pytest.mark.postgres
def test_sse_fanout_delivers_every_event_once(tmp_path: Path, postgres_template: str) -> None:
    # ``postgres_template`` only makes the test skip (or fail in CI) without PostgreSQL.
    _run(
        "sse_fanout.py",
        "--clients=20",
        "--clients-per-user=2",
        "--rate=50",
        "--duration=1",
        "--batch=2",
        f"--out={tmp_path}",
    )

    level = json.loads((tmp_path / "sse_fanout.json").read_text())["levels"][0]
    assert level["connected"] == 20
    assert level["users"] == 10
    assert level["published"] == 50
    assert level["expected_deliveries"] == 100
    assert level["delivered"] == 100
    assert level["lost"] == 0
    assert level["duplicates"] == 0
    assert level["idle_kb_per_connection"] is not None
