"""``report``: the long-run table of docs/reliability.md comes from the saved runs, and nothing
outside its markers changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import report, results

SSE = {
    "engine": "sqlite",
    "clients": 10,
    "reconnects": 1000,
    "jobs": 26,
    "events_logged": 534,
    "events_received": 5340,
    "missing": 0,
    "doubled": 0,
    "out_of_order": 0,
    "seconds": 128.4,
}


def test_the_table_is_written_from_the_saved_runs_only_between_its_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "RESULTS", tmp_path)
    results.save("sse_reconnect", SSE, engine="sqlite")
    page = f"# Title\n\nby hand\n{report.START}\nold rows\n{report.END}\n\nby hand too\n"

    written = report.render(page)

    head, rest = written.split(report.START)
    table, tail = rest.split(report.END)
    assert (head, tail) == ("# Title\n\nby hand\n", "\n\nby hand too\n")
    assert "old rows" not in table
    assert "| SSE reconnect loop | SQLite, embedded worker | 1,000 drops over 10 clients" in table
    assert "missing 0, doubled 0, out of order 0 | 128 |" in table
    assert "No saved run yet for `crash_loop` (sqlite)" in table
    assert report.render(written) == written


def test_the_page_in_the_repository_has_the_markers() -> None:
    page = report.DOC.read_text()

    assert page.count(report.START) == page.count(report.END) == 1
