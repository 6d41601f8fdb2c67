"""What the second look at unsure lines (``reading.reread``) costs on Cyrillic pages.

For each of N generated Russian receipts (``--gen``, ``eval_generalisation.py``'s folder) it
times, in CPU seconds of the process (all threads), Tesseract's read of the page as the
pipeline's picker does it, then ``EnginePicker.reread`` of its lines, and prints both per
receipt, their sums and the ratio (read + reread) / read. The first image is read once first,
so model loading is not counted.

    python bench/reread_cost.py [--gen results/receipt-gen-3] [--limit 20] [--threads 1]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

from foodscan.recognition.reading.engines import build_picker
from foodscan.recognition.reading.images import decode_image

MAX_PIXELS = 50_000_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gen", type=Path, default=Path("results/receipt-gen-3"))
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all cores)")
    args = parser.parse_args()
    with (args.gen / "meta.csv").open(encoding="utf-8") as file:
        ids = [row["id"] for row in csv.DictReader(file) if row["country"] == "ru"]
    ids = ids[:: max(1, len(ids) // args.limit)][: args.limit]
    picker = build_picker(threads=args.threads)
    images = [
        decode_image((args.gen / "img" / f"{i}.jpg").read_bytes(), max_pixels=MAX_PIXELS)
        for i in ids
    ]
    picker.reread(images[0], picker.cyrillic.read(images[0]), "ru")  # load the models
    reads, rereads = [], []
    for receipt_id, image in zip(ids, images, strict=True):
        started = time.process_time()
        lines = picker.cyrillic.read(image)
        read = time.process_time()
        picker.reread(image, lines, "ru")
        done = time.process_time()
        reads.append(read - started)
        rereads.append(done - read)
        sys.stdout.write(f"{receipt_id}: read {read - started:.2f} s, reread {done - read:.2f} s\n")
    total = sum(reads)
    sys.stdout.write(
        f"{len(ids)} receipts: read {total:.1f} s, reread {sum(rereads):.1f} s CPU "
        f"(median {statistics.median(rereads):.2f} s, max {max(rereads):.2f} s); "
        f"(read + reread) / read = {(total + sum(rereads)) / total:.2f}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
