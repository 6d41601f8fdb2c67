"""USDA FoodKeeper storage times shipped in the package: the table, and how it is built.

``foodkeeper.json`` beside this module is derived from the USDA FSIS FoodKeeper export (a work
of the U.S. Government, public domain; see ``NOTICE``) by ``scripts/build_foodkeeper.py``
through ``compact``: per entry its id, name (and subtitle), category and how long it keeps in
the pantry, the fridge and the freezer, and after opening, as ``[min, max]`` days. Display
strings become days in ``parse_days`` ("1 - 2 Weeks" → ``[7, 14]``; a month is 30 days, a year
365, hours under a day 0); a string that is no duration ("Not Recommended", "When Ripe",
"Package use-by date") becomes ``null``, never a guess, and is kept in the entry's tips instead.
A place's time counts from the date of purchase where FoodKeeper gives one, else the plain
time. ``load_foodkeeper`` reads the shipped file once, on first use; nothing else does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

Days = tuple[int, int]

_UNIT_DAYS = {"hour": 0, "day": 1, "week": 7, "month": 30, "year": 365}
# The export cuts "1 Year" to "1 Yea" in two entries (flour, cornmeal: fridge after opening).
_CUT_UNITS = {"yea": "year"}
_DURATION = re.compile(
    r"^\s*(?P<low>\d{1,3})(?:\s*-\s*(?P<high>\d{1,3}))?\s+(?P<unit>[a-z]+?)s?\s*$", re.I
)
_PLACES = (  # (our name, the export's field stem, the label its tips get)
    ("pantry", "pantry", "Pantry"),
    ("fridge", "refrigerate", "Fridge"),
    ("freezer", "freeze", "Freezer"),
)
_OPENED = (("pantry", "Pantry after opening"), ("refrigerate", "Fridge after opening"))


@dataclass(frozen=True, slots=True)
class Entry:
    """One FoodKeeper food: how long it keeps where, in days ``(min, max)``, or ``None``."""

    id: str
    name: str
    category: str
    pantry: Days | None
    fridge: Days | None
    freezer: Days | None
    pantry_opened: Days | None
    fridge_opened: Days | None
    tips: str | None


def parse_days(text: str | None) -> Days | None:
    """``"1 - 2 Weeks"`` → ``(7, 14)``; ``None`` for anything that is not a duration."""
    found = _DURATION.match(text or "")
    if found is None:
        return None
    unit = found["unit"].casefold()
    per = _UNIT_DAYS.get(_CUT_UNITS.get(unit, unit))
    if per is None:
        return None
    low = int(found["low"])
    high = int(found["high"]) if found["high"] else low
    if high < low:
        return None
    return low * per, high * per


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _tips(product: Mapping[str, Any]) -> str | None:
    """The export's tips per place, with the display strings that are no duration."""
    parts = []
    for _, stem, label in _PLACES:
        said = []
        for key in (f"from_date_of_purchase_{stem}_output", f"{stem}_output"):
            shown = product.get(f"{key}_display_only")
            if shown and parse_days(shown) is None:
                said.append(_sentence(shown.strip().capitalize()))
        for key in (f"from_date_of_purchase_{stem}_tips", f"{stem}_tips"):
            if product.get(key) and product[key].strip():
                said.append(_sentence(product[key]))
        if said:
            parts.append(f"{label}: " + " ".join(dict.fromkeys(said)))
    for stem, label in _OPENED:
        shown = product.get(f"{stem}_after_opening_output_display_only")
        if shown and parse_days(shown) is None:
            parts.append(f"{label}: {_sentence(shown.strip().lower())}")
    return " ".join(parts) or None


def _place(product: Mapping[str, Any], stem: str) -> list[int] | None:
    for key in (f"from_date_of_purchase_{stem}_output_display_only", f"{stem}_output_display_only"):
        if (days := parse_days(product.get(key))) is not None:
            return list(days)
    return None


def _opened(product: Mapping[str, Any], stem: str) -> list[int] | None:
    days = parse_days(product.get(f"{stem}_after_opening_output_display_only"))
    return list(days) if days is not None else None


def compact(export: Mapping[str, Any]) -> dict[str, Any]:
    """The shipped table from the FoodKeeper export (``category_data``, ``product_data``)."""
    categories = {
        category_id: category["category_name"]
        for category in export["category_data"]
        for category_id in category["category_ids"]
    }
    entries = []
    for product in sorted(export["product_data"], key=lambda p: int(p["id"])):
        name = " ".join(product["name"].split())
        subtitle = " ".join((product.get("name_subtitle") or "").split())
        entries.append(
            {
                "id": str(product["id"]),
                "name": f"{name} ({subtitle})" if subtitle else name,
                "category": categories[str(product["category_id"])],
                "pantry": _place(product, "pantry"),
                "fridge": _place(product, "refrigerate"),
                "freezer": _place(product, "freeze"),
                "pantry_opened": _opened(product, "pantry"),
                "fridge_opened": _opened(product, "refrigerate"),
                "tips": _tips(product),
            }
        )
    return {
        "about": (
            "Storage times from USDA FSIS FoodKeeper (foodsafety.gov), a work of the U.S. "
            "Government in the public domain, via the export in the GitHub repository "
            "HulkOfKnowledge/USDA-foodkeeper-shelf-life-test (foodKeeper.json). Days as "
            "[min, max]; a month is 30 days, a year 365; null where FoodKeeper gives no "
            "duration. Built by scripts/build_foodkeeper.py; do not edit by hand."
        ),
        "entries": entries,
    }


def _days(value: Any) -> Days | None:  # Any: one JSON value, a [min, max] list or null
    return (int(value[0]), int(value[1])) if value else None


def _entries(data: Mapping[str, Any]) -> dict[str, Entry]:  # Any: the parsed JSON document
    return {
        item["id"]: Entry(
            item["id"],
            item["name"],
            item["category"],
            _days(item["pantry"]),
            _days(item["fridge"]),
            _days(item["freezer"]),
            _days(item["pantry_opened"]),
            _days(item["fridge_opened"]),
            item["tips"],
        )
        for item in data["entries"]
    }


def load_foodkeeper(path: Path | None = None) -> dict[str, Entry]:
    """The FoodKeeper entries by id, from ``path`` or the file shipped in the package (read
    once, then cached)."""
    if path is None:
        return _shipped()
    return _entries(json.loads(path.read_text(encoding="utf-8")))


@cache
def _shipped() -> dict[str, Entry]:
    text = resources.files("foodscan.recognition.enrich").joinpath("foodkeeper.json")
    return _entries(json.loads(text.read_text(encoding="utf-8")))
