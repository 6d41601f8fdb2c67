"""Where the reliability scripts leave their figures: one JSON file per run under
``results/reliability/`` (ignored by git), read back by ``report`` to write
``docs/reliability.md``.

Each file holds the figures, the command that reproduces them, when the run ended and how busy
the machine was (load average before and after, CPU count), so a table can say what it is from.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[2] / "results" / "reliability"
_LOAD_AT_START = os.getloadavg()


def path_of(run: str, engine: str | None = None, variant: str | None = None) -> Path:
    name = "-".join(part for part in (run, engine, variant) if part)
    return RESULTS / f"{name}.json"


def save(
    run: str, figures: dict[str, Any], *, engine: str | None = None, variant: str | None = None
) -> Path:
    """Write one run's figures (and how to reproduce them); the path written. Runs of one
    script that the page shows side by side (the load run at two rates) differ by ``variant``."""
    record = {
        "run": run,
        "engine": engine,
        "command": shlex.join(["python", "-m", f"tests.reliability.{run}", *sys.argv[1:]]),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": {"start": _LOAD_AT_START, "end": os.getloadavg()},
        "cpus": os.cpu_count(),
        "figures": figures,
    }
    path = path_of(run, engine, variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def load(run: str, engine: str | None = None) -> list[dict[str, Any]]:
    """The last saved run of each variant (none, or several), by file name."""
    found = []
    for path in sorted(RESULTS.glob(f"{path_of(run, engine).stem}*.json")):
        record: dict[str, Any] = json.loads(path.read_text())
        if (record["run"], record["engine"]) == (run, engine):
            found.append(record)
    return found
