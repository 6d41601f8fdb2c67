"""Marks of the country a receipt was printed in, counted per currency (ISO 4217).

Several currencies share a sign ("$": US, Canadian, Australian, Singapore, New Zealand and
Hong Kong dollars, and some Malaysian tills print it for the ringgit), so the sign alone does
not say which one is meant. What does is the rest of the receipt, by kinds of evidence every
country has, each a general form rather than a list of shops:

- the country's name in the address (``MALAYSIA``, ``SINGAPORE 079903``, ``CANADA``);
- its regions and postcode forms: a Malaysian state, an Australian state before a four-digit
  postcode, a Canadian province or postal code (``K1A 0B1``), a Singapore six-digit postcode;
- its tax and company ids: Malaysia's 12-digit GST number and SST registration, its company
  number ``(123456-X)`` and ``SDN BHD``; Singapore's UEN and ``M2-…`` GST number; Australia's
  ABN; Canada's GST/HST and business number ``…RT0001``; New Zealand's GST number;
- the rate printed beside ``GST`` (6% Malaysia, 7 to 9% Singapore, 10% Australia, 15% New
  Zealand, 5% Canada) — "GST" alone is five countries' tax;
- international phone prefixes (``+60``, ``+65``, ``+61``, ``+64``, ``+852``).

Each match counts once for its currency; ``locale.currency_guess`` weighs them against the
printed signs. The US marks (a state and ZIP code) live there, beside the sign they settle.
"""

# Cyrillic keywords are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections import Counter

_MY_STATES = (
    "SELANGOR", "JOHOR", "KEDAH", "KELANTAN", "MELAKA", "MALACCA", "NEGERI SEMBILAN", "PAHANG",
    "PERAK", "PERLIS", "PULAU PINANG", "PENANG", "SABAH", "SARAWAK", "TERENGGANU",
    "KUALA LUMPUR", "PUTRAJAYA", "LABUAN", "WILAYAH PERSEKUTUAN",
)  # fmt: skip
_CA_PROVINCES = "ON|QC|BC|AB|MB|SK|NS|NB|NL|PE|YT|NT|NU"
_AU_STATES = "NSW|VIC|QLD|SA|WA|TAS|ACT|NT"
# A GST rate: "GST 6%", "GST @ 6.00%", "GST(6%)", "6% GST".
_RATE = r"(\d{1,2})(?:[.,]0+)?\s?%"
_GST_RATE = re.compile(rf"\bGST\b[^\n\d%]{{0,12}}{_RATE}|{_RATE}\s?GST\b")
_GST_RATES = {"6": "MYR", "7": "SGD", "8": "SGD", "9": "SGD", "10": "AUD", "15": "NZD", "5": "CAD"}

_MARKS: dict[str, tuple[re.Pattern[str], ...]] = {
    "PLN": (re.compile(r"\bNIP\b|PARAGON FISKALNY|\bPTU\b", re.IGNORECASE),),
    "RUB": (re.compile(r"\bИНН\b|\bНДС\b|КАССОВЫЙ ЧЕК|nalog\.gov\.ru", re.IGNORECASE),),
    "GBP": (re.compile(r"\bVAT (?:NO|REG)|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"),),
    "MYR": (
        re.compile(r"\bMALAYSIA\b", re.IGNORECASE),
        re.compile(r"\b(?:" + "|".join(_MY_STATES) + r")\b", re.IGNORECASE),
        re.compile(r"\bSDN\.? ?BHD\b|\bS/B\b", re.IGNORECASE),
        # Company number (SSM): "(861380-W)", "(1234567-T)".
        re.compile(r"\(\d{5,7}\s?-\s?[A-Z]\)"),
        # GST number: 12 digits; SST registration: "W10-1808-32000123" or "SST ID".
        re.compile(r"\bGST\b[^\n\d]{0,24}\d{12}\b", re.IGNORECASE),
        re.compile(r"\bSST\b|\b[A-Z]\d{2}-\d{4}-\d{8}\b"),
        re.compile(r"\+\s?60[\s-]?\d"),
    ),
    "SGD": (
        re.compile(r"\bSINGAPORE\b", re.IGNORECASE),
        re.compile(r"\bS\s?\(\d{6}\)|\bS \d{6}\b"),
        # UEN ("201912345K", "53012345D") and the GST number form "M2-0012345-6".
        re.compile(r"\b(?:19|20)\d{7}[A-Z]\b|\b[MT]\d-?\d{7}-?\d\b"),
        re.compile(r"\+\s?65[\s-]?\d"),
    ),
    "AUD": (
        re.compile(r"\bAUSTRALIA\b", re.IGNORECASE),
        re.compile(rf"\b(?:{_AU_STATES})\s+\d{{4}}\b(?!\d)"),
        re.compile(r"\bABN\b[^\n\d]{0,6}\d{2}\s?\d{3}\s?\d{3}\s?\d{3}\b"),
        re.compile(r"\+\s?61[\s-]?\d"),
    ),
    "CAD": (
        re.compile(r"\bCANADA\b", re.IGNORECASE),
        re.compile(r"\b[A-CEGHJ-NPR-TVXY]\d[A-Z] \d[A-Z]\d\b"),
        re.compile(rf"\b(?:{_CA_PROVINCES}),? [A-Z]\d[A-Z]\b"),
        re.compile(r"\bGST/HST\b|\bHST\b|\bQST\b|\b\d{9}\s?RT\s?\d{4}\b"),
    ),
    "NZD": (
        re.compile(r"\bNEW ZEALAND\b", re.IGNORECASE),
        re.compile(r"\bGST\s?(?:NO|NUMBER)\b\W{0,3}\d{2,3}-\d{3}-\d{3}\b", re.IGNORECASE),
        re.compile(r"\+\s?64[\s-]?\d"),
    ),
    "HKD": (
        re.compile(r"\bHONG KONG\b|\bKOWLOON\b", re.IGNORECASE),
        re.compile(r"\+\s?852[\s-]?\d"),
    ),
    "USD": (re.compile(r"\bU\.?S\.?A\.?\b|\bUNITED STATES\b|\bSALES TAX\b"),),
}


def country_evidence(text: str) -> Counter[str]:
    """How many marks of each currency's country ``text`` holds (one per match)."""
    counts: Counter[str] = Counter()
    for code, patterns in _MARKS.items():
        counts[code] += sum(len(pattern.findall(text)) for pattern in patterns)
    for match in _GST_RATE.finditer(text):
        rate = match[1] or match[2]
        if (currency := _GST_RATES.get(rate or "")) is not None:
            counts[currency] += 1
    return +counts
