"""A first, general parse of receipt text: merchant, date, time, total and currency.

Input is the receipt's text lines in reading order, either one string per printed row or one
per OCR box (a keyword whose amount stands alone on the next line is handled). It knows the
conventions of English (UK/US), Polish and Russian receipts (decimal commas, total keywords,
day/month order) and nothing about any one store. Line items are a later, fuller parser; this
module must not grow store-specific rules.
"""

# Cyrillic keywords are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

_LETTER = re.compile(r"[^\W\d_]")
# A money amount: two decimals, optional thousands groups, an optional currency sign, a
# leading or trailing minus. Not a weight (1,451), a percentage (8.60 %) or a unit price (x0,50).
_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<neg>-\s?)?(?:[£$€₽]\s?)?(?P<neg2>-)?"
    r"(?P<num>\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+[.,]\d{2}|\d+[.,]\d{2})"
    r"(?![\d%]|[.,]\d|\s%)(?P<neg3>-)?"
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"
)
_DMY_DATE = re.compile(
    r"(?<![\d.,])(?P<a>\d{1,2})(?P<s>[-./])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?!\d)"
)
_TIME = re.compile(
    r"(?<![\d:.])(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?::[0-5]\d)?(?![\d.,])"
    r"(?:\s?(?P<ampm>[AaPp])\.?[Mm]\b\.?)?"
)
_TIME_COLON = re.compile(r"(?<![\d:.])([01]?\d|2[0-3]):[0-5]\d(?!\d)")

# Strongest first: phrases that only ever name the amount to pay, then general total words.
# Matched as whole words, so SUBTOTAL, PODSUMA and ПОДИТОГ never match TOTAL, SUMA, ИТОГ.
_TOTAL_KEYS = (
    ("AMOUNT DUE", "BALANCE DUE", "TOTAL DUE", "TO PAY", "DO ZAPŁATY", "DO ZAPLATY",
     "К ОПЛАТЕ", "À PAYER", "ZU ZAHLEN"),
    ("GRAND TOTAL", "TOTAL", "SUMA PLN", "SUMA", "RAZEM", "NALEŻNOŚĆ", "ИТОГО", "ИТОГ",
     "ВСЕГО", "SUMME", "GESAMT"),
)  # fmt: skip
# "TOTAL INCL. VAT" is still the total; "TOTAL VAT" or "SUMA PTU" is not.
_INCLUDED_TAX = re.compile(r"\bINCL(?:\.|UDING)?\s*(?:VAT|TAX)\b|\bВ\s*Т\.?\s*Ч\.?\s*НДС")
_NOT_TOTAL = re.compile(
    r"SUB[\s-]?TOTAL|TAX|VAT|PTU|НДС|SAVING|DISCOUNT|RABAT|СКИДК|\bNET\b|POINTS|\bTIPS?\b",
)
_CURRENCY_MARKS = {
    "GBP": re.compile(r"£|\bGBP\b"),
    "USD": re.compile(r"\$|\bUSD\b"),
    "EUR": re.compile(r"€|\bEUR\b"),
    "PLN": re.compile(r"\bPLN\b|\bzł\b", re.IGNORECASE),
    "RUB": re.compile(r"₽|\bRUB\b|\bруб\b|(?<!\w)р\.(?!\w)", re.IGNORECASE),
}
_US_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
    "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
))  # fmt: skip
# Weaker evidence of the country, used only when no currency is printed.
_CURRENCY_HINTS = {
    "PLN": re.compile(r"\bNIP\b|PARAGON FISKALNY|\bPTU\b", re.IGNORECASE),
    "RUB": re.compile(r"\bИНН\b|\bНДС\b|КАССОВЫЙ ЧЕК|nalog\.gov\.ru", re.IGNORECASE),
    "GBP": re.compile(r"\bVAT (?:NO|REG)|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"),
}
_US_ADDRESS = re.compile(r"\b(?P<state>[A-Z]{2}),? \d{5}(?:-\d{4})?(?!\d)")
_NOT_MERCHANT = re.compile(
    r"\b(?:NIP|REGON|VAT|TAX|EIN|ABN|ИНН|КПП|ОГРН|TEL|PHONE|ТЕЛ|FAX|WWW|HTTP|E-?MAIL|"
    r"PARAGON|FISKALNY|RECEIPT|WELCOME|INVOICE|FAKTURA|КАССОВЫЙ|ЧЕК|ПРИХОД|ДОБРО)\b"
    r"|^(?:UL|AL|PL|OS|УЛ|ПР|ПРОСП|Г|Д)\.|\b(?:STREET|ROAD|AVENUE|LANE|SQUARE)\b"
    r"|\d{2}-\d{3}|(?<!\d)\d{5,6}(?!\d)|^\d+[A-Z]?\s",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReceiptSummary:
    """The header and footer fields of a receipt; ``None`` where not found."""

    merchant: str | None
    date: str | None  # ISO YYYY-MM-DD
    time: str | None  # HH:MM, 24-hour
    total: str | None  # decimal with a dot and two places, e.g. "45.67"
    currency: str | None  # ISO 4217 code

    def to_dict(self) -> dict[str, str | None]:
        """The fields as a plain dict (for JSON results)."""
        return dataclasses.asdict(self)


def parse_receipt(lines: list[str]) -> ReceiptSummary:
    """Find the merchant, date, time, total and currency in a receipt's text lines."""
    # Runs of spaces are kept: they separate OCR boxes and printed columns, so "nr 20  190,50"
    # is two numbers while "1 234,56" (one space) is one amount.
    clean = [line.strip() for line in lines if line.strip()]
    currency = _currency(clean)
    when = _date_time(clean, us_order=currency == "USD")
    return ReceiptSummary(
        merchant=_merchant(clean),
        date=when[0],
        time=when[1],
        total=_total(clean),
        currency=currency,
    )


def _amounts(line: str) -> list[Decimal]:
    """The money amounts in a line, negatives included, in order."""
    found = []
    for match in _AMOUNT.finditer(line):
        num = match["num"]
        whole, frac = re.sub(r"\D", "", num[:-3]), num[-2:]
        value = Decimal(f"{whole}.{frac}")
        negative = match["neg"] or match["neg2"] or match["neg3"]
        found.append(-value if negative else value)
    return found


def _has_keyword(upper: str, key: str) -> bool:
    return re.search(rf"(?<![^\W\d_]){re.escape(key)}(?![^\W\d_])", upper) is not None


def _is_amount_only(line: str) -> bool:
    letters = _LETTER.findall(re.sub(r"PLN|zł|руб|RUB|EUR|USD|GBP", "", line, flags=re.I))
    return len(letters) <= 1 and bool(_amounts(line))


def _keyword_total(lines: list[str]) -> Decimal | None:
    for keys in _TOTAL_KEYS:
        for index, line in enumerate(lines):
            upper = line.upper()
            if not any(_has_keyword(upper, key) for key in keys):
                continue
            if _NOT_TOTAL.search(_INCLUDED_TAX.sub(" ", upper)):
                continue
            amounts = [a for a in _amounts(line) if a > 0]
            if not amounts and index + 1 < len(lines) and _is_amount_only(lines[index + 1]):
                amounts = [a for a in _amounts(lines[index + 1]) if a > 0]
            if amounts:
                return amounts[-1]
    return None


def _total(lines: list[str]) -> str | None:
    """The amount to pay: after a total keyword; else cash arithmetic; else a repeated amount."""
    total = _keyword_total(lines)
    if total is None:
        finals = [amounts[-1] for line in lines if (amounts := _amounts(line))]
        # Total, cash tendered and change due print in a row: tendered - change = total.
        for due, tendered, change in zip(finals, finals[1:], finals[2:], strict=False):
            if 0 < due < tendered and change > 0 and tendered - change == due:
                total = due
                break
    if total is None:
        # The total is usually printed more than once (subtotal, total, payment line).
        rows = Counter(a for line in lines for a in set(_amounts(line)) if a > 0)
        repeated = [amount for amount, count in rows.items() if count >= 2]
        total = max(repeated, default=None)
    return None if total is None else f"{total:.2f}"


def _currency(lines: list[str]) -> str | None:
    """The currency printed most often; else the one its country's hints point to."""
    text = "\n".join(lines)
    marks = Counter({code: len(p.findall(text)) for code, p in _CURRENCY_MARKS.items()})
    hints = Counter({code: len(p.findall(text)) for code, p in _CURRENCY_HINTS.items()})
    hints["USD"] = sum(m["state"] in _US_STATES for m in _US_ADDRESS.finditer(text))
    for counts in (marks, hints):
        code, count = counts.most_common(1)[0]
        if count > 0:
            return code
    return None


def _make_date(year: int, month: int, day: int) -> str | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _find_date(line: str, *, us_order: bool) -> str | None:
    if match := _ISO_DATE.search(line):
        return _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    for match in _DMY_DATE.finditer(line):
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        # Dots and dashes are day-first everywhere; a slash is month-first in the US only.
        month_first = match["s"] == "/" and (second > 12 or (us_order and first <= 12))
        found = _make_date(year, first, second) if month_first else _make_date(year, second, first)
        if found is not None:
            return found
    return None


def _find_time(line: str) -> str | None:
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


def _date_time(lines: list[str], *, us_order: bool) -> tuple[str | None, str | None]:
    """The first date, and the time on its line (or else the first time on the receipt)."""
    found_date, found_time = None, None
    for line in lines:
        if (found_date := _find_date(line, us_order=us_order)) is not None:
            found_time = _find_time(_DMY_DATE.sub(" ", _ISO_DATE.sub(" ", line)))
            break
    if found_time is None:
        found_time = next((t for line in lines if (t := _find_time(line))), None)
    return found_date, found_time


def _merchant(lines: list[str]) -> str | None:
    """The first header line that reads like a name: not an address, id, date or title."""
    for line in lines:
        if _amounts(line):
            break  # the header ends where the first price appears
        letters = len(_LETTER.findall(line))
        visible = len(line.replace(" ", ""))
        if letters < 3 or letters < visible / 2 or _NOT_MERCHANT.search(line):
            continue
        if _find_date(line, us_order=False) or _TIME_COLON.search(line):
            continue
        return " ".join(line.split()).strip(" *=-#|")
    return None
