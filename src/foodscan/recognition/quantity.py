"""Net quantities in packaging and receipt text: ``500 g``, ``1 l``, ``1,5 L``, ``330ml``,
``6 x 0.33 l``, ``1 кг``, ``10 szt``.

``find_quantities`` returns every quantity in a text, ``locate_quantities`` each with where it
stands, ``parse_quantity`` the first one. Units are normalised (``gr`` → ``g``, ``ltr`` → ``l``,
``мл`` → ``ml``, ``szt``/``шт`` → ``pcs``, ``gal`` the US gallon); a decimal comma is read as a
point. Percentages (``3,2%``) and bare numbers are never quantities. Pure
functions; no I/O.
"""

# Cyrillic units and the multiplication signs × х are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "g": "g",
    "gr": "g",
    "gram": "g",
    "grams": "g",
    "kg": "kg",
    "mg": "mg",
    "ml": "ml",
    "cl": "cl",
    "dl": "dl",
    "l": "l",
    "ltr": "l",
    "litre": "l",
    "liter": "l",
    "litr": "l",
    "oz": "oz",
    "fl oz": "fl oz",
    "lb": "lb",
    "lbs": "lb",
    "gal": "gal",
    "szt": "pcs",
    "pcs": "pcs",
    "г": "g",
    "гр": "g",
    "кг": "kg",
    "мл": "ml",
    "л": "l",
    "шт": "pcs",
}
# Longest first, so that "ml" is not read as "m" + "l" nor "kg" as "k" + "g".
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUMBER = r"\d+(?:[.,]\d+)?"
_QUANTITY = re.compile(
    rf"(?<![\w.,])(?:(?P<count>\d{{1,3}})\s*[x×х*]\s*)?(?P<value>{_NUMBER})\s*"
    rf"(?P<unit>{_UNIT})\.?(?![^\W\d_])",
    re.IGNORECASE,
)
# What a sane pack holds, per unit: beyond it, an OCR misread (the "125m" of "12.5%", say).
_PLAUSIBLE = {
    "g": (1.0, 25_000.0),
    "kg": (0.01, 50.0),
    "mg": (1.0, 100_000.0),
    "ml": (1.0, 10_000.0),
    "cl": (1.0, 500.0),
    "dl": (0.5, 50.0),
    "l": (0.01, 30.0),
    "oz": (0.1, 500.0),
    "fl oz": (0.1, 500.0),
    "lb": (0.1, 100.0),
    "gal": (0.1, 10.0),
    "pcs": (1.0, 1000.0),
}
_TO_BASE = {
    "g": 1.0,
    "kg": 1000.0,
    "mg": 0.001,
    "ml": 1.0,
    "cl": 10.0,
    "dl": 100.0,
    "l": 1000.0,
    "gal": 3785.411784,  # the US gallon
}


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount: ``count`` packs (multipacks; else ``None``) of ``value`` ``unit`` each."""

    value: float
    unit: str
    count: int | None
    text: str

    @property
    def total_base(self) -> float | None:
        """The whole amount in grams or millilitres, or ``None`` for other units."""
        factor = _TO_BASE.get(self.unit)
        if factor is None:
            return None
        return round(self.value * factor * (self.count or 1), 6)


def find_quantities(text: str) -> list[Quantity]:
    """Every plausible quantity in ``text``, in order."""
    return [quantity for quantity, _, _ in locate_quantities(text)]


def locate_quantities(text: str) -> list[tuple[Quantity, int, int]]:
    """Every plausible quantity in ``text`` with its start and end offsets, in order."""
    found = []
    for match in _QUANTITY.finditer(text):
        unit = _UNITS[re.sub(r"\s+", " ", match.group("unit").lower())]
        value = float(match.group("value").replace(",", "."))
        low, high = _PLAUSIBLE[unit]
        if not low <= value <= high:
            continue
        count = int(match.group("count")) if match.group("count") else None
        if count is not None and not 1 <= count <= 100:
            continue
        quantity = Quantity(value, unit, count, " ".join(match.group().split()))
        found.append((quantity, match.start(), match.end()))
    return found


def parse_quantity(text: str) -> Quantity | None:
    """The first quantity in ``text``, or ``None``."""
    found = find_quantities(text)
    return found[0] if found else None
