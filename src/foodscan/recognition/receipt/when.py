"""The purchase date and time: numeric formats and month names in English, Polish and Russian.

Dots and dashes are day-first everywhere; a slash is month-first only on US receipts (the
caller says so) or where day-first cannot be a date. Times are 24-hour; ``02:32 PM`` becomes
``14:32``. A number with a dot and no colon is a price, never a time.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF003

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"
)
_DMY_DATE = re.compile(
    r"(?<![\d.,])(?P<a>\d{1,2})(?P<s>[-./])(?P<b>\d{1,2})(?P=s)"
    # The year, alone or glued to the time by the OCR ("09/02/201811:40").
    r"(?P<y>\d{4}(?=\d{1,2}:\d{2})|(?:\d{4}|\d{2})(?![\d,]|\.\d))"
)
_WORD = r"(?P<mon>[^\W\d_]{3,})\.?"
_NAMED_DATES = (
    # 12 stycznia 2025, 12 Jan 2025, 12-JAN-25, 12 января 2025 г.
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s./-]*{_WORD}[\s.,/-]*(?P<y>\d{{4}}|\d{{2}})(?!\d)"),
    # Jan 12, 2025
    re.compile(rf"(?<![^\W\d_]){_WORD}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)"),
)  # fmt: skip
# Every spelling of each month: English names and abbreviations, Polish and Russian names in
# the nominative and genitive and their usual abbreviations. Matched case-folded and without
# Polish diacritics (receipts and OCR often drop them), whole words only: "MARKET" is no March.
_MONTH_NAMES = (
    "january jan sty styczen stycznia январь января янв",
    "february feb lut luty lutego февраль февраля фев",
    "march mar marzec marca март марта",
    "april apr kwi kwiecien kwietnia апрель апреля апр",
    "may maj maja май мая",
    "june jun cze czerwiec czerwca июнь июня июн",
    "july jul lip lipiec lipca июль июля июл",
    "august aug sie sierpien sierpnia август августа авг",
    "september sep sept wrz wrzesien wrzesnia сентябрь сентября сен сент",
    "october oct paz pazdziernik pazdziernika октябрь октября окт",
    "november nov lis listopad listopada ноябрь ноября ноя",
    "december dec gru grudzien grudnia декабрь декабря дек",
)
_MONTHS = {word: n for n, names in enumerate(_MONTH_NAMES, start=1) for word in names.split()}
_PLAIN = str.maketrans("ąćęłńóśźż", "acelnoszz")
_TIME = re.compile(
    r"(?<![\d:.])(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?::[0-5]\d)?(?![\d.,])"
    r"(?:\s?(?P<ampm>[AaPp])\.?[Mm]\b\.?)?"
)


def make_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD``, or ``None`` when there is no such day (two-digit years are 20xx)."""
    if year < 100:
        year += 2000
    if not 1990 <= year <= 2099:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _named_date(line: str) -> str | None:
    for pattern in _NAMED_DATES:
        for match in pattern.finditer(line):
            month = _MONTHS.get(match["mon"].casefold().translate(_PLAIN))
            if month is not None and (found := make_date(int(match["y"]), month, int(match["d"]))):
                return found
    return None


# A date's digits joined by hyphens to more of the same token on both sides
# ("SP-nu11-18/06/04-1016956"): an invoice or batch number that embeds a date, not the date of
# the purchase, which receipts print on its own.
_CODE_BEFORE = re.compile(r"\w-\Z")
_CODE_AFTER = re.compile(r"-\w")


def _in_code(line: str, match: re.Match[str]) -> bool:
    before, after = line[max(0, match.start() - 2) : match.start()], line[match.end() :]
    return bool(_CODE_BEFORE.search(before)) and bool(_CODE_AFTER.match(after))


def find_date(line: str, *, us_order: bool) -> str | None:
    """The first date in ``line`` as ``YYYY-MM-DD``, or ``None``; a date inside a hyphenated
    code is none."""
    if (match := _ISO_DATE.search(line)) and not _in_code(line, match):
        return make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    for match in _DMY_DATE.finditer(line):
        if _in_code(line, match):
            continue
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        # Dots and dashes are day-first everywhere; a slash is month-first in the US only.
        month_first = match["s"] == "/" and (second > 12 or (us_order and first <= 12))
        found = make_date(year, first, second) if month_first else make_date(year, second, first)
        if found is not None:
            return found
    return _named_date(line)


def strip_dates(line: str) -> str:
    """``line`` with its numeric dates blanked, so that their digits are not read as a time."""
    return _DMY_DATE.sub(" ", _ISO_DATE.sub(" ", line))


def find_time(line: str) -> str | None:
    """The first time of day in ``line`` as 24-hour ``HH:MM``, or ``None``."""
    for match in _TIME.finditer(line):
        hour, minute = int(match["h"]), match["m"]
        ampm = (match["ampm"] or "").upper()
        if ampm and not 1 <= hour <= 12:
            continue
        if not ampm and ":" not in match[0]:
            continue  # 14.32 without a colon is a price, not a time
        if ampm == "P" and hour != 12:
            hour += 12
        elif ampm == "A" and hour == 12:
            hour = 0
        return f"{hour:02d}:{minute}"
    return None


@dataclass(frozen=True)
class When:
    """The purchase date and time, the row the date is on, and whether it was read as printed
    (``False``: its day had a misread leading zero, see ``_repaired_date``)."""

    row: int | None
    date: str | None
    time: str | None
    as_printed: bool = True


def _repaired_date(line: str) -> str | None:
    """A day-first date whose day the OCR cannot have printed ("95.05.26", "65.01.24"): its
    leading zero was read as a 6, 8 or 9, the commonest misreading of a 0."""
    for match in _DMY_DATE.finditer(line):
        day = match["a"]
        if len(day) != 2 or day[0] not in "689" or match["s"] == "/":
            continue
        if found := make_date(int(match["y"]), int(match["b"]), int(day[1])):
            return found
    return None


def date_and_time(lines: Sequence[str], *, us_order: bool) -> When:
    """The first date, its row, and the time on its row (else the first time on the receipt);
    a date with a misread day only when no row holds a valid one."""
    for reader, as_printed in (
        (lambda x: find_date(x, us_order=us_order), True),
        (_repaired_date, False),
    ):
        for index, line in enumerate(lines):
            if (found := reader(line)) is not None:
                on_row = find_time(strip_dates(line))
                later = on_row or next((t for x in lines if (t := find_time(strip_dates(x)))), None)
                return When(index, found, later, as_printed)
    return When(None, None, next((t for x in lines if (t := find_time(x))), None))
