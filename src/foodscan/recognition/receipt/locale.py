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
from dataclasses import dataclass

from foodscan.recognition.receipt.country import country_evidence

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

# How sure a currency is, by what told it: its own sign or code printed; a bare "$" whose
# country the receipt's marks tell; a bare "$" and nothing else (read as USD); no sign, only
# marks of the country.
_PRINTED = 0.9
_DOLLAR_BY_COUNTRY = 0.85
_DOLLAR_ALONE = 0.5
_COUNTRY_ONLY = 0.7


@dataclass(frozen=True)
class CurrencyGuess:
    """A currency (ISO 4217) and how sure the evidence makes it (0 to 1)."""

    code: str
    confidence: float


# A sign counts beside a number only: a stray "$" is OCR noise more often than money.
_CURRENCY_MARKS = {
    "GBP": re.compile(r"£ ?\d|\d ?£|\bGBP\b"),
    "USD": re.compile(r"\bUS ?\$|\bUSD\b"),
    "EUR": re.compile(r"€ ?\d|\d ?€|\bEUR\b"),
    "PLN": re.compile(r"\bPLN\b|\bzł\b", re.IGNORECASE),
    "RUB": re.compile(r"₽|\bRUB\b|\bруб\b|(?<!\w)р\.(?!\w)", re.IGNORECASE),
    "MYR": re.compile(r"\bRM\s?\d|\(RM\)|\bMYR\b"),
    "CAD": re.compile(r"\bCA?\$ ?\d|\bCAD\b"),
    "AUD": re.compile(r"\bAU?\$ ?\d|\bAUD\b"),
    "SGD": re.compile(r"\bSG?\$ ?\d|\bSGD\b"),
    "NZD": re.compile(r"\bNZ\$ ?\d|\bNZD\b"),
    "HKD": re.compile(r"\bHK\$ ?\d|\bHKD\b"),
}
# "$" alone is the sign of many dollars (and of the ringgit on some tills): which one is told
# by the country the receipt was printed in. A "$" fused to letters is one of the marks above.
_NOT_PREFIXED = "".join(
    rf"(?<!\b{prefix})" for prefix in ("US", "US ", "C", "CA", "A", "AU", "S", "SG", "NZ", "HK")
)
_BARE_DOLLAR = re.compile(rf"{_NOT_PREFIXED}\$ ?\d|\d ?\$")
_DOLLAR_CURRENCIES = ("USD", "MYR", "SGD", "AUD", "CAD", "NZD", "HKD")
_US_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
    "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
))  # fmt: skip
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


def currency_guess(text: str, language: str | None) -> CurrencyGuess | None:
    """The currency with the most evidence, and how sure that is.

    A printed sign or code counts twice, a mark of its country (``country.py``) once, the
    receipt's language (Polish: PLN, Russian: RUB) twice. A bare "$" counts for the dollar of
    the country the receipt's marks point to, and for USD only when none does (then with a
    lowered confidence: the sign alone does not say which dollar)."""
    counts = Counter({code: 2 * len(p.findall(text)) for code, p in _CURRENCY_MARKS.items()})
    countries = country_evidence(text)
    counts["USD"] += sum(m["state"] in _US_STATES for m in _US_ADDRESS.finditer(text))
    counts.update(countries)
    if (home := _HOME_CURRENCY.get(language or "")) is not None:
        counts[home] += 2
    printed = {code for code, p in _CURRENCY_MARKS.items() if p.search(text)}
    dollars = len(_BARE_DOLLAR.findall(text))
    dollar = None
    if dollars:
        ranked = sorted(_DOLLAR_CURRENCIES, key=lambda code: counts[code], reverse=True)
        dollar = ranked[0] if counts[ranked[0]] > 0 else "USD"
        counts[dollar] += 2 * dollars
    if not counts or (best := counts.most_common(1)[0])[1] <= 0:
        return None
    code = best[0]
    if code in printed:
        confidence = _PRINTED
    elif code == dollar:
        confidence = _DOLLAR_BY_COUNTRY if counts[code] > 2 * dollars else _DOLLAR_ALONE
    else:
        confidence = _COUNTRY_ONLY
    return CurrencyGuess(code, confidence)


def detect_currency(text: str, language: str | None) -> str | None:
    """The currency code of ``currency_guess``, or ``None``."""
    guess = currency_guess(text, language)
    return guess.code if guess else None
