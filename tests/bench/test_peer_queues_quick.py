"""foodscan's side of the peer-queue benchmark (``bench/peer_queues.py``) on both engines.

Only foodscan's workloads run here, with tiny N (the peers' virtualenv is the benchmark's,
not CI's). The real store and worker runtime do the work: SQLite embedded in this process,
PostgreSQL with the worker in its own process woken by NOTIFY. No timing is asserted (the
figures are the benchmark's to print); what is checked is that every workload completes,
every job ends ``succeeded`` exactly once, and the figures are sane.
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
N, IO_N, K = 20, 20, 10


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    """The benchmark's modules, imported as its scripts import them (``bench/`` on the path)."""
    monkeypatch.syspath_prepend(str(BENCH))
    import foodscan_queue  # noqa: PLC0415 - needs bench/ on sys.path first
    import queue_workloads  # noqa: PLC0415
    from peers import probe  # noqa: PLC0415

    yield {"foodscan_queue": foodscan_queue, "queue_workloads": queue_workloads, "probe": probe}
    for name in ("foodscan_queue", "queue_workloads", "scratch_db", "peers", "peers.probe"):
        sys.modules.pop(name, None)


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A short folder for the collector's socket: AF_UNIX paths stop at 107 bytes, and
    pytest's tmp_path can be longer."""
    with tempfile.TemporaryDirectory(prefix="bench-q-") as folder:
        yield Path(folder)


@pytest.mark.slow
async def test_foodscan_workloads_run_and_every_job_succeeds(
    bench: dict[str, Any], database_url: str, tmp_path: Path, socket_dir: Path
) -> None:
    probe, workloads, fq = bench["probe"], bench["queue_workloads"], bench["foodscan_queue"]
    collector = probe.Collector(socket_dir / "reports.sock")
    if database_url.startswith("sqlite"):
        target = fq.EmbeddedSqlite(collector, tmp_path)
    else:
        target = fq.ScaleOutPostgres(database_url, collector, tmp_path)
    try:
        figures = await workloads.run_all(target, collector, n=N, io_n=IO_N, k=K, seed=0)
        # The last workload's database: the warm-up jobs and the arrivals, all run once.
        statuses = await target.statuses()
    finally:
        await target.close()
        collector.close()

    assert statuses == {"succeeded": workloads.WARM_JOBS + K}
    assert set(figures) == {
        "enqueue_per_s",
        "drain_per_s",
        "io_drain_per_s",
        "latency_p50_ms",
        "latency_p99_ms",
        "latency_max_ms",
    }
    assert all(math.isfinite(value) and value > 0 for value in figures.values())
    assert figures["latency_p50_ms"] <= figures["latency_p99_ms"] <= figures["latency_max_ms"]
    # 20 slots sleeping 50 ms each cannot finish more than 400 jobs a second (a wrong span
    # or a job counted twice would show here).
    assert figures["io_drain_per_s"] <= 20 / probe.SLEEP_S * 1.05


def test_drain_rate_and_latency_figures(bench: dict[str, Any]) -> None:
    probe = bench["probe"]
    spans = {0: (10.0, 10.5), 1: (10.2, 11.0), 2: (10.9, 12.0)}
    assert probe.drain_per_s(spans) == pytest.approx(3 / 2.0)
    submitted = {0: 9.999, 1: 10.19, 2: 10.8}
    latency = probe.latency_ms(submitted, spans)
    assert latency["p50_ms"] == pytest.approx(10.0)
    assert latency["max_ms"] == pytest.approx(100.0)
    assert probe.percentile([float(v) for v in range(1, 101)], 0.99) == 99.0
