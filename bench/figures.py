"""Figures of the benchmarks: percentiles, the machine they ran on, results as JSON + Markdown.

Results go to ``bench/results/<name>.json`` and ``.md`` (or where ``--out`` says); a run writes
what it measured, never a pass/fail verdict against a target beyond saying "met" or "not met".
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def machine() -> dict[str, Any]:  # Any: JSON
    """What the figures depend on: cores, load, Python."""
    return {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; None shows as an em dash."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = ["—" if cell is None else str(cell) for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(name: str, figures: dict[str, Any], markdown: str, out: Path | None = None) -> Path:
    """Write ``<name>.json`` and ``<name>.md`` under ``out`` (default ``bench/results``)."""
    folder = out or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    (folder / f"{name}.md").write_text(markdown.rstrip() + "\n")
    return folder / f"{name}.json"
