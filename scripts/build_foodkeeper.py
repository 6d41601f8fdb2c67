"""Build ``src/foodscan/recognition/enrich/foodkeeper.json`` from the USDA FoodKeeper export.

    python scripts/build_foodkeeper.py [--source ../shared/data/foodkeeper/foodkeeper.json]

Keeps only what foodscan shows (``enrich.foodkeeper.compact``: names, categories, storage times
in days, tips) and writes it compactly, one entry a line, so that a rebuild diffs by entry. The
export is public domain (a work of the U.S. Government); its source is in ``NOTICE``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from foodscan.recognition.enrich.foodkeeper import compact

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "foodscan" / "recognition" / "enrich" / "foodkeeper.json"


def write(table: dict[str, object], target: Path) -> None:
    entries = table["entries"]
    assert isinstance(entries, list)  # noqa: S101 - compact's own shape
    lines = [json.dumps(entry, ensure_ascii=False, separators=(",", ":")) for entry in entries]
    about = json.dumps(table["about"], ensure_ascii=False)
    text = '{"about": ' + about + ',\n"entries": [\n' + ",\n".join(lines) + "\n]}\n"
    target.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT.parent / "shared" / "data" / "foodkeeper" / "foodkeeper.json"
    parser.add_argument("--source", type=Path, default=default)
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args()
    table = compact(json.loads(args.source.read_text(encoding="utf-8")))
    write(table, args.target)
    print(f"{len(table['entries'])} entries → {args.target}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
