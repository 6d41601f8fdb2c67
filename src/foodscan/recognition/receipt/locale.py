"""The receipt's language (en, pl, ru) and currency (ISO 4217), from what it prints.

Evidence is counted, never assumed from one word: letters of the script, words only a
Polish fiscal receipt or a Russian cash receipt prints, currency signs and codes, and, when no
currency is printed, the country's marks (NIP, ИНН, a UK postcode, a US state and ZIP code).
RapidOCR reads Cyrillic as Latin look-alikes, so the Russian marks include those readings.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
from collections import Counter

_POLISH = re.compile(
    r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]|\b(?:PARAGON|FISKALNY|PTU|NIP|SUMA|PLN|zł|Gotówka|Karta|Reszta|"
    r"Rabat|Obniżka|Upust|Kaucja|Sprzedaż|opodatkowana|Kasjer|Kasa)\b",
    re.IGNORECASE,
)
_RUSSIAN = re.compile(
    r"[А-Яа-яЁё]{2,}|nalog\.gov\.ru|\bKKT\b|\b(?:ФН|ФД|ФП|ΦH|ΦД)\b|(?<!\w)=-?\d+\.\d{2}\b"
    r"|\d\s?kr\b",
)
_ENGLISH = re.compile(
    r"\b(?:TOTAL|SUBTOTAL|SUB-TOTAL|VAT|TAX|CHANGE|CASH|CARD|VISA|DEBIT|ITEMS|THANK|"
    r"RECEIPT|SAVINGS|BALANCE|AMOUNT|QTY)\b|£\s?\d|\$\s?\d",
    re.IGNORECASE,
)
_LANGUAGES = {"pl": _POLISH, "ru": _RUSSIAN, "en": _ENGLISH}
# A Polish or Russian receipt also prints some English words (VISA, www); they must outweigh.
_ENGLISH_WEIGHT = 0.5

# A sign counts beside a number only: a stray "$" is OCR noise more often than money.
_CURRENCY_MARKS = {
    "GBP": re.compile(r"£ ?\d|\d ?£|\bGBP\b"),
    "USD": re.compile(r"\$ ?\d|\d ?\$|\bUSD\b"),
    "EUR": re.compile(r"€ ?\d|\d ?€|\bEUR\b"),
    "PLN": re.compile(r"\bPLN\b|\bzł\b", re.IGNORECASE),
    "RUB": re.compile(r"₽|\bRUB\b|\bруб\b|(?<!\w)р\.(?!\w)", re.IGNORECASE),
    "MYR": re.compile(r"\bRM\s?\d|\(RM\)|\bMYR\b"),
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
    "MYR": re.compile(r"\bSDN\.? ?BHD\b|\bGST\b", re.IGNORECASE),
}
_US_ADDRESS = re.compile(r"\b(?P<state>[A-Z]{2}),? \d{5}(?:-\d{4})?(?!\d)")
_HOME_CURRENCY = {"pl": "PLN", "ru": "RUB"}


def detect_language(text: str, hint: str | None = None) -> str | None:
    """``en``, ``pl`` or ``ru`` by the evidence in ``text``; a valid ``hint`` wins."""
    if hint in _LANGUAGES:
        return hint
    scores = {lang: float(len(pattern.findall(text))) for lang, pattern in _LANGUAGES.items()}
    scores["en"] *= _ENGLISH_WEIGHT
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else None


def detect_currency(text: str, language: str | None) -> str | None:
    """The currency with the most evidence: a printed sign or code counts twice, a mark of
    its country once, the receipt's language (Polish: PLN, Russian: RUB) twice."""
    counts = Counter({code: 2 * len(p.findall(text)) for code, p in _CURRENCY_MARKS.items()})
    counts.update({code: len(p.findall(text)) for code, p in _CURRENCY_HINTS.items()})
    counts["USD"] += sum(m["state"] in _US_STATES for m in _US_ADDRESS.finditer(text))
    if (home := _HOME_CURRENCY.get(language or "")) is not None:
        counts[home] += 2
    code, count = counts.most_common(1)[0]
    return code if count > 0 else None
