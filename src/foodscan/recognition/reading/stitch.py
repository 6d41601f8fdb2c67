"""Joins several photos of one long receipt, taken top to bottom, into one page of lines.

Consecutive photos usually overlap by a few printed rows. The overlap is found by comparing the
last rows of one photo with the first rows of the next (text similarity, row by row); those rows
are kept once. The next photo's boxes are moved below the previous one so that reading order,
and everything the parser does with geometry, holds for the whole receipt.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from foodscan.recognition.reading.ocr import OcrLine, group_rows

MAX_OVERLAP_ROWS = 12
ROW_SIMILARITY = 0.8
_SPACE = re.compile(r"\s+")


def _key(row: list[OcrLine]) -> str:
    return _SPACE.sub(" ", " ".join(line.text for line in row)).strip().upper()


def _same(a: str, b: str) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= ROW_SIMILARITY


def overlap_rows(upper: list[list[OcrLine]], lower: list[list[OcrLine]]) -> int:
    """How many first rows of ``lower`` repeat the last rows of ``upper`` (0 when none)."""
    tail = [_key(row) for row in upper[-MAX_OVERLAP_ROWS:]]
    head = [_key(row) for row in lower[:MAX_OVERLAP_ROWS]]
    for size in range(min(len(tail), len(head)), 0, -1):
        if all(_same(a, b) for a, b in zip(tail[-size:], head[:size], strict=True)):
            return size
    return 0


def _bottom(lines: Sequence[OcrLine]) -> float:
    return max((y for line in lines for _, y in line.box), default=0.0)


def _top(lines: Sequence[OcrLine]) -> float:
    return min((y for line in lines for _, y in line.box), default=0.0)


def _moved(line: OcrLine, dy: float) -> OcrLine:
    return OcrLine(line.text, tuple((x, y + dy) for x, y in line.box), line.confidence)


def stitch(photos: Sequence[list[OcrLine]]) -> list[OcrLine]:
    """The lines of all photos as one receipt, overlapping rows kept once, in reading order."""
    merged: list[OcrLine] = []
    for lines in photos:
        rows = group_rows(list(lines))
        if not merged:
            merged = [line for row in rows for line in row]
            continue
        skip = overlap_rows(group_rows(merged), rows)
        fresh = [line for row in rows[skip:] for line in row]
        if not fresh:
            continue
        gap = _bottom(merged) - _top(fresh) + 1.0
        merged.extend(_moved(line, gap) for line in fresh)
    return merged
