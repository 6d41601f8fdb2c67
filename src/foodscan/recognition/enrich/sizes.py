"""The net quantity a receipt item's name carries, and where it stands in the name.

Measures are ``quantity.locate_quantities`` (``1L``, ``500G``, ``0,5 l``, ``4x440ml``, ``16OZ``,
``10 szt.``); receipts add counts and gallons: ``12PK``, ``6CT``, ``x4``, ``100 tor.`` (tea
bags), ``100ПАК``, ``1 DZ`` (a dozen: 12), ``GAL`` and ``HALF GAL``. A measure and a count in
one name make a multipack (``COLA 12PK 330ML`` → 12 x 330 ml). Bare numbers are never sizes
(``Kawa mielona 2`` is a name cut off by the till). Pure functions; no I/O.
"""

# Cyrillic units are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
from dataclasses import dataclass

from foodscan.recognition.quantity import Quantity, locate_quantities

_MAX_COUNT = 1000
_COUNT_WORDS = r"pk|pack|packs|ct|count|tor|torebek|torebki|пак|пакетиков|пакетика|dz|doz|dozen"
_COUNT = re.compile(
    rf"(?<![\w.,])(?P<n>\d{{1,4}})\s*(?P<word>{_COUNT_WORDS})\.?(?![^\W\d_])"
    r"|(?<![\w.,])[x×х](?P<times>\d{1,3})(?![\w.,])",
    re.IGNORECASE,
)
_GALLON = re.compile(r"(?<![\w.])(?P<half>half\s+)?(?:gal|gallon)\b\.?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Size:
    """A net quantity and the spans of the name that printed it."""

    quantity: Quantity
    spans: tuple[tuple[int, int], ...]


def _counts(text: str) -> list[tuple[Quantity, int, int]]:
    found = []
    for match in _COUNT.finditer(text):
        if match.group("times"):
            value = int(match.group("times"))
        else:
            value = int(match.group("n"))
            if match.group("word").casefold() in ("dz", "doz", "dozen"):
                value *= 12
        if 1 <= value <= _MAX_COUNT:
            quantity = Quantity(float(value), "pcs", None, " ".join(match.group().split()))
            found.append((quantity, match.start(), match.end()))
    return found


def _gallons(text: str) -> list[tuple[Quantity, int, int]]:
    return [
        (
            Quantity(0.5 if match.group("half") else 1.0, "gal", None, match.group().strip()),
            match.start(),
            match.end(),
        )
        for match in _GALLON.finditer(text)
    ]


def find_size(text: str) -> Size | None:
    """The net quantity ``text`` (one item's name) carries, or ``None``; the last measure
    wins (sizes close a name), joined with a count printed beside it."""
    measures = [q for q in locate_quantities(text) if q[0].unit != "pcs"] + _gallons(text)
    counts = [q for q in locate_quantities(text) if q[0].unit == "pcs"] + _counts(text)
    taken = {(start, end) for _, start, end in measures}
    counts = [c for c in counts if not any(s < c[2] and c[1] < e for s, e in taken)]
    if measures:
        measure, start, end = max(measures, key=lambda q: q[1])
        if counts and measure.count is None:
            count, c_start, c_end = counts[-1]
            pieces = sorted([(start, end, measure.text), (c_start, c_end, count.text)])
            joined = Quantity(
                measure.value, measure.unit, int(count.value), " ".join(p[2] for p in pieces)
            )
            return Size(joined, ((start, end), (c_start, c_end)))
        return Size(measure, ((start, end),))
    if counts:
        count, start, end = counts[-1]
        return Size(count, ((start, end),))
    return None


def without(text: str, size: Size | None) -> str:
    """``text`` with the spans of ``size`` cut out and its spaces collapsed."""
    if size is None:
        return " ".join(text.split())
    kept, at = [], 0
    for start, end in sorted(size.spans):
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    return " ".join(" ".join(kept).split())
