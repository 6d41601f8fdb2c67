"""``python bench/receipt_gen OUT [--locale pl ru uk us] [--split dev held] [--per-layout N]
[--text-only]``: write generated receipts (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from receipt_gen import LOCALES, SPLITS, generate


def main() -> int:
    parser = argparse.ArgumentParser(description="Generate receipts with answer keys.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--locale", nargs="+", choices=LOCALES, default=list(LOCALES))
    parser.add_argument("--split", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--per-layout", type=int, default=3)
    parser.add_argument("--text-only", action="store_true", help="no images, OCR lines only")
    args = parser.parse_args()
    meta = generate(args.out, tuple(args.locale), tuple(args.split), args.per_layout,
                    images=not args.text_only)  # fmt: skip
    sys.stdout.write(f"{len(meta)} receipts written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
