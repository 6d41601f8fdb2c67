"""The peer-queue benchmark's report: medians over runs, the targets of issue 9 as ratios
measured in the same run, and the Markdown table (``results/peer_queues.md`` and the table in
``bench/README.md`` between its ``peer-queues`` markers)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

README_START = "<!-- peer-queues:start -->"
README_END = "<!-- peer-queues:end -->"
FOODSCAN_PG = "foodscan-postgresql"
FOODSCAN_SQLITE = "foodscan-sqlite"


@dataclass(frozen=True, slots=True)
class Goal:
    """One target: ``queue``'s ``metric`` against a peer's (a ratio) or a bound (ms)."""

    what: str
    queue: str
    metric: str
    at_least: float | None = None  # ratio queue/peer must be at least this
    peer: str | None = None
    at_most: float | None = None  # the figure itself (ms) must be at most this


GOALS = [
    Goal("PostgreSQL drain vs SAQ (Redis)", FOODSCAN_PG, "drain_per_s", 1.0, "saq"),
    Goal("PostgreSQL drain vs Celery (Redis)", FOODSCAN_PG, "drain_per_s", 1.5, "celery"),
    Goal("PostgreSQL enqueue vs pgqueuer", FOODSCAN_PG, "enqueue_per_s", 1.0, "pgqueuer"),
    Goal("PostgreSQL enqueue vs procrastinate", FOODSCAN_PG, "enqueue_per_s", 2.0, "procrastinate"),
    Goal("PostgreSQL start latency p50 (ms)", FOODSCAN_PG, "latency_p50_ms", at_most=3.0),
    Goal("PostgreSQL start latency p99 (ms)", FOODSCAN_PG, "latency_p99_ms", at_most=10.0),
    Goal("SQLite drain vs SAQ (Redis)", FOODSCAN_SQLITE, "drain_per_s", 1.0, "saq"),
    Goal("SQLite enqueue vs SAQ (Redis)", FOODSCAN_SQLITE, "enqueue_per_s", 1.0, "saq"),
    Goal("SQLite start latency p50 (ms)", FOODSCAN_SQLITE, "latency_p50_ms", at_most=1.0),
]


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Per figure, the median over the runs that gave it (failed runs carry only ``error``)."""
    keys = {key for run in runs for key, value in run.items() if isinstance(value, int | float)}
    return {
        key: round(statistics.median(run[key] for run in runs if key in run), 3)
        for key in sorted(keys)
    }


def check(goals: list[Goal], queues: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each goal with what was measured and whether it is met (None: a figure is missing)."""
    answers = []
    for goal in goals:
        own = queues.get(goal.queue, {}).get("median", {}).get(goal.metric)
        answer: dict[str, Any] = {"what": goal.what, "queue": goal.queue, "metric": goal.metric}
        if goal.peer is not None and goal.at_least is not None:
            other = queues.get(goal.peer, {}).get("median", {}).get(goal.metric)
            ratio = round(own / other, 2) if own is not None and other else None
            answer |= {"peer": goal.peer, "ratio": ratio, "goal": f"≥ {goal.at_least:g}×"}  # noqa: RUF001
            answer["met"] = None if ratio is None else ratio >= goal.at_least
        else:
            answer |= {"value": own, "goal": f"≤ {goal.at_most:g} ms"}
            answer["met"] = None if own is None else own <= (goal.at_most or 0.0)
        answers.append(answer)
    return answers


def _figure(median: dict[str, float], key: str, digits: int = 0) -> str:
    value = median.get(key)
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(summary: dict[str, Any]) -> str:
    """The results as Markdown: the machine, one row per queue, the targets."""
    machine = summary["machine"]
    raw = machine["raw_commits_per_s"]
    lines = [
        f"Measured {machine['finished_at']} with `{summary['command']}` "
        f"(N = {summary['n']:,} jobs for enqueue and drain, {summary['io_n']:,} for the I/O "
        f"drain, {summary['k']} random arrivals for start latency; medians of "
        f"{summary['runs']} run{'s' if summary['runs'] != 1 else ''}).",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; PostgreSQL "
        f"{machine['postgresql']}, Redis {machine['redis']}, Python {machine['python']}. "
        f"Single-row commits/s at the start: PostgreSQL {raw['postgresql']:,.0f}, SQLite (WAL, "
        f"synchronous=NORMAL) {raw['sqlite']:,.0f}. "
        f"Load average (1/5/15 min) {machine['load_start']} at the start, "
        f"{machine['load_end']} at the end: {machine['note']} foodscan: "
        f"{machine['foodscan_source']}.",
        "",
        "| queue | backend | enqueue/s | drain/s (2 slots, no-op) "
        "| I/O drain/s (20 slots, 50 ms jobs; ideal 400) | start latency p50 / p99 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, queue in summary["queues"].items():
        median = queue["median"]
        failed = sum(1 for run in queue["runs"] if "error" in run)
        label = f"{name} {queue['version']}" + (f" ({failed} run(s) failed)" if failed else "")
        latency = f"{_figure(median, 'latency_p50_ms', 1)} / {_figure(median, 'latency_p99_ms', 1)}"
        lines.append(
            f"| {label} | {queue['backend']} | {_figure(median, 'enqueue_per_s')} "
            f"| {_figure(median, 'drain_per_s')} | {_figure(median, 'io_drain_per_s')} "
            f"| {latency} |"
        )
    lines += ["", "| target | measured | goal | met |", "|---|---:|---|---|"]
    for answer in summary["targets"]:
        measured = answer.get("ratio", answer.get("value"))
        shown = "—" if measured is None else f"{measured:g}" + ("×" if "ratio" in answer else "")  # noqa: RUF001
        met = {True: "yes", False: "no", None: "—"}[answer["met"]]
        lines.append(f"| {answer['what']} | {shown} | {answer['goal']} | {met} |")
    return "\n".join(lines) + "\n"


def update_readme(readme: Path, table: str) -> bool:
    """Put ``table`` between the README's markers; False when the markers are missing."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{table}{README_END}{tail}")
    return True
