"""Durations as ISO 8601 (``PT1H30M``): normalised from a page's own ISO value or read from
words ("1 hour 30 mins", "1 godz. 20 minut", "40 мин").
"""

# ruff: noqa: RUF001 - Polish and Russian words are the point of this module

from __future__ import annotations

import re

_ISO = re.compile(
    r"P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)
_PART = re.compile(
    r"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<u>"
    r"d(?:ays?)?|dni|dzień|дн\w*|сут\w*"
    r"|h(?:ours?|rs?)?|godz\w*|godzin\w*|ч(?:ас\w*)?"
    r"|m(?:in(?:ute)?s?)?|minut\w*|мин\w*"
    r"|s(?:ec(?:ond)?s?)?|sekund\w*|сек\w*)\.?(?![a-ząćęłńóśźżа-яё])",
    re.IGNORECASE,
)
_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _unit_of(word: str) -> str:
    w = word.lower()
    if w.startswith(("d", "дн", "сут")):
        return "d"
    if w.startswith(("h", "godz", "ч")):
        return "h"
    if w.startswith(("s", "сек")):
        return "s"
    return "m"


def format_seconds(seconds: int) -> str | None:
    """``PT1H5M`` for 3900; days are written as hours (``PT26H``); ``None`` for zero or less."""
    if seconds <= 0:
        return None
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ((hours, "H"), (minutes, "M"), (secs, "S"))
    return "PT" + "".join(f"{count}{letter}" for count, letter in parts if count)


def iso_duration(value: object) -> str | None:
    """``value`` (ISO 8601 or words) as a normalised ISO 8601 duration; ``None`` if unreadable."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):  # a bare number of minutes
        return format_seconds(round(float(value) * 60))
    text = value.strip()
    iso = _ISO.fullmatch(text)
    if iso is not None and text.upper() not in {"P", "PT"}:
        total = sum(float(iso.group(k) or 0) * _SECONDS[k] for k in "dhms")
        return format_seconds(round(total))
    total = 0.0
    for part in _PART.finditer(text):
        total += float(part.group("n").replace(",", ".")) * _SECONDS[_unit_of(part.group("u"))]
    return format_seconds(round(total))
