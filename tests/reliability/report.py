"""Write the long-run table of ``docs/reliability.md`` from the last saved runs
(``results/reliability/*.json``, written by each ``python -m tests.reliability.<run>``).

Only the part between the ``reliability-runs`` markers is replaced; the rest of the page is
written by hand. A run missing from ``results/`` keeps no row (the table says which are absent).

    python -m tests.reliability.report            # rewrite docs/reliability.md
    python -m tests.reliability.report --check    # exit 1 when the page is not what it would write
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.reliability import results

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
START = "<!-- reliability-runs:start -->"
END = "<!-- reliability-runs:end -->"
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Row = tuple[str, str, str, str]  # test, deployment, size, outcome


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def crash_loop(f: dict[str, Any]) -> Row:
    workers = f.get("workers", 1)
    return (
        "Crash loop",
        f"{ENGINES[f['engine']]}, {workers} worker{'s' if workers > 1 else ''}",
        f"{f['kills']} SIGKILLs ({f['kills_mid_job']} mid-job), {f['jobs']} jobs",
        f"lost {f['lost']}, doubled {f['doubled']}, stuck {f['stuck']}, {f['rescues']} rescues, "
        f"attempts {'exact' if not f['findings'] else 'WRONG'} (max {f['max_attempt']})",
    )


def api_crash(f: dict[str, Any]) -> Row:
    return (
        "API killed between commit and reply",
        ENGINES[f["engine"]],
        f"{f['rounds']} round{'s' if f['rounds'] > 1 else ''}: {_n(f['requests'])} requests "
        "with `Idempotency-Key`",
        f"{_n(f['unanswered'])} unanswered, {f['committed_unanswered']} committed-but-unanswered;"
        f" doubled {f['doubled']}, lost {f['lost']}; {_n(f['jobs'])} jobs"
        + ("" if not f["findings"] else f"; **{len(f['findings'])} findings**"),
    )


def db_faults(f: dict[str, Any]) -> Row:
    restarts = f.get("restarts", 0)
    size = f"{f['cuts']} cuts ({f['backends_terminated']} backends terminated)"
    if restarts:
        size += f", {restarts} server restarts (down ≤ {f['restart_seconds_max']:.1f} s)"
    if idle := f.get("faults_after_the_last_job"):
        size += f" ({idle} after the last job ended)"
    refusals = sum(f.get("client_refusals", {}).values())
    retries = sum(f["retries_by_code"].values())
    return (
        "Database faults",
        f"PostgreSQL, API + 2 workers, {f['clients']} SSE clients",
        f"{size}, {f['jobs']} jobs, {f['events_logged']} events",
        f"lost {f['lost']}, doubled {f['doubled']}, {retries} retries "
        f"({', '.join(f'{k} {v}' for k, v in f['retries_by_code'].items()) or 'none'}); "
        f"SSE missing {f['sse_missing']}, doubled {f['sse_doubled']}, "
        f"out of order {f['sse_out_of_order']}; {f['client_reconnects']} client reconnects, "
        f"{refusals} refused",
    )


def sse_reconnect(f: dict[str, Any]) -> Row:
    shape = "embedded worker" if f["engine"] == "sqlite" else "API + 2 workers"
    return (
        "SSE reconnect loop",
        f"{ENGINES[f['engine']]}, {shape}",
        f"{_n(f['reconnects'])} drops over {f['clients']} clients, {f['jobs']} jobs, "
        f"{_n(f['events_logged'])} events ({_n(f['events_received'])} received)",
        f"missing {f['missing']}, doubled {f['doubled']}, out of order {f['out_of_order']}",
    )


def load(f: dict[str, Any]) -> Row:
    api_rss = f["rss_mb_by_minute"]["api"]
    accepted = f["submit_statuses"].get("202", 0)
    queue = "none left queued"
    if f["queued"]:
        queue = (
            f"{f['queued']:,} queued in fair order ({f['positions_checked']} places checked, "
            f"{f['positions_wrong']} wrong, {f['queue_out_of_turn']} out of turn)"
        )
    answered = ""
    if seconds := f.get("submits_answered_in_s"):
        answered = f" (all answered in {seconds:.0f} s: {f['submits'] / seconds:.1f}/s)"
    return (
        "Load",
        "PostgreSQL, API (`serve --no-worker`) + 2 workers",
        f"{_n(f['clients'])} SSE clients over {f['users']} users + {f['job_streams']} job "
        f"streams; {_n(f['rate'])} submits/s offered for {_n(f['minutes'])} min: "
        f"{_n(f['submits'])} submits, {_n(f['events_logged'])} events, "
        f"{_n(f['frames_received'])} frames received",
        f"5xx {f['submit_5xx']}, lost {f['lost']}, doubled {f['doubled']}, stuck running "
        f"{f['stuck_running']}; {_n(accepted)} accepted, {f['statuses'].get('succeeded', 0):,} "
        f"done, {queue}; SSE missing {f['sse_missing']}, doubled "
        f"{f['sse_doubled']}, out of order {f['sse_out_of_order']}, reconnects "
        f"{f['stream_reconnects']}. Submit p50 {f['submit_p50_s']:.2f} s, p99 "
        f"{f['submit_p99_s']:.2f} s{answered}; delivery p50 {f['delivery_p50_s']:.2f} s, p99 "
        f"{f['delivery_p99_s']:.2f} s; API RSS by minute {', '.join(map(str, api_rss))} MB",
    )


RUNS: list[tuple[str, str | None, Callable[[dict[str, Any]], Row]]] = [
    ("crash_loop", "sqlite", crash_loop),
    ("crash_loop", "postgresql", crash_loop),
    ("api_crash", "sqlite", api_crash),
    ("api_crash", "postgresql", api_crash),
    ("db_faults", "postgresql", db_faults),
    ("sse_reconnect", "sqlite", sse_reconnect),
    ("sse_reconnect", "postgresql", sse_reconnect),
    ("load", "postgresql", load),
]


def table() -> str:
    lines = [
        "| Test | Deployment | Size | Outcome | Seconds | When (load average) | Reproduce |",
        "|---|---|---|---|---|---|---|",
    ]
    absent = []
    for run, engine, render in RUNS:
        records = results.load(run, engine)
        if not records:
            absent.append(f"`{run}` ({engine})")
        for record in records:
            lines.append(row(record, render))
    if absent:
        lines += ["", f"No saved run yet for {', '.join(absent)}."]
    return "\n".join(lines)


def row(record: dict[str, Any], render: Callable[[dict[str, Any]], Row]) -> str:
    figures = record["figures"]
    test, shape, size, outcome = render(figures)
    start, end = record["load_average"]["start"][0], record["load_average"]["end"][0]
    when = f"{record['finished_at'][:16].replace('T', ' ')} UTC ({start:.1f} → {end:.1f})"
    seconds = f"{figures['seconds']:.0f}" if "seconds" in figures else "not recorded"
    return f"| {test} | {shape} | {size} | {outcome} | {seconds} | {when} | `{record['command']}` |"


def render(page: str) -> str:
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    page = DOC.read_text()
    new = render(page)
    if args.check:
        raise SystemExit(0 if new == page else 1)
    DOC.write_text(new)
    print(f"wrote {DOC}")  # noqa: T201


if __name__ == "__main__":
    main()
