"""The job-core benchmarks (``bench/deep_queue.py``, ``bench/scale_out.py``) in their quick mode.

They run as their scripts run: the real store, a real ``foodscan serve`` on loopback, real worker
processes on PostgreSQL. No timing is asserted (the figures are the benchmarks' to print); what
is checked is that every phase completes, every submit is queued and every job runs once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

BENCH = Path(__file__).resolve().parents[2] / "bench"
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _run(script: str, *args: str, timeout: float = 240) -> None:
    command = [sys.executable, str(BENCH / script), "--quick", f"--postgres={POSTGRES_URL}", *args]
    subprocess.run(command, check=True, timeout=timeout, cwd=BENCH)


def test_deep_queue_queues_every_submit_and_serves_while_draining(
    tmp_path: Path, postgres_template: str
) -> None:
    # ``postgres_template`` only makes the test skip (or fail in CI) without PostgreSQL.
    _run("deep_queue.py", f"--out={tmp_path}")

    found = json.loads((tmp_path / "deep_queue.json").read_text())
    depths, submits = found["depths"], found["submits"]
    rows = {(row["engine"], row["depth"]): row for row in found["submit"]}
    assert set(rows) == {(engine, d) for engine in ("sqlite", "postgresql") for d in depths}
    assert all(row["queued_after"] == row["depth"] + submits for row in rows.values())
    assert all(row["per_s"] > 0 for row in rows.values())
    assert [row["depth"] for row in found["serve"]] == depths
    for row in found["serve"]:
        assert row["healthz"]["n"] > 0
        assert row["jobs"]["n"] > 0
        assert 0 <= row["queued_at_end"] <= row["depth"]
    assert set(found["targets"]) == {
        "submit_ratio_sqlite",
        "submit_ratio_postgresql",
        "healthz_deepest",
    }
    assert (tmp_path / "deep_queue.md").read_text().startswith("# Deep queue")


def test_scale_out_runs_every_job_once(tmp_path: Path, postgres_template: str) -> None:
    _run("scale_out.py", f"--out={tmp_path}")

    found = json.loads((tmp_path / "scale_out.json").read_text())
    assert [row["processes"] for row in found["rows"]] == [1, 2]
    for row in found["rows"]:
        assert row["statuses"] == {"succeeded": row["jobs"]}
        assert 0 < row["per_s"] <= row["ideal_per_s"] * 1.05  # 50 ms jobs cannot go faster
    assert "one_process" in found["targets"]
