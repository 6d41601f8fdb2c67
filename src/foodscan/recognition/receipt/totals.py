"""The receipt's footer figures: subtotal, tax per rate, and the amount to pay.

The total is the amount after the strongest total keyword (``AMOUNT DUE``, ``К ОПЛАТЕ`` before
``TOTAL``, ``SUMA PLN``, ``ИТОГ``), never a subtotal, a tax total, the cash tendered or the
change. Where OCR lost the keyword, the cash arithmetic (total = tendered − change) and then the
largest amount printed more than once stand in, with less confidence.
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from foodscan.recognition.receipt.amounts import CENT, amounts, find_amounts, is_amount_only

# Strongest first: phrases that only ever name the amount to pay, then general total words.
# Matched as whole words, so SUBTOTAL, PODSUMA and ПОДИТОГ never match TOTAL, SUMA, ИТОГ.
_TOTAL_KEYS = (
    ("AMOUNT DUE", "BALANCE DUE", "TOTAL DUE", "TO PAY", "DO ZAPŁATY", "DO ZAPLATY",
     "К ОПЛАТЕ", "À PAYER", "ZU ZAHLEN"),
    ("GRAND TOTAL", "TOTAL", "SUMA PLN", "SUMA", "RAZEM", "NALEŻNOŚĆ", "ИТОГО", "ИТОГ",
     "ВСЕГО", "SUMME", "GESAMT"),
)  # fmt: skip
_KEY_CONFIDENCE = (1.0, 0.95)
# "TOTAL INCL. VAT" is still the total; "TOTAL VAT" or "SUMA PTU" is not.
_INCLUDED_TAX = re.compile(
    r"\bINCL(?:\.|USIVE|UDING)?\s*(?:OF\s+)?(?:VAT|TAX|GST)\b|\bВ\s*Т\.?\s*Ч\.?\s*НДС"
)
_NOT_TOTAL = re.compile(
    r"SUB[\s-]?TOTAL|TAX|VAT|GST|PTU|НДС|SAVING|DISCOUNT|RABAT|СКИДК|\bNET\b|POINTS|\bTIPS?\b"
    r"|\bQTY\b|QUANTITY|\bEXCL|\bPAID\b|TENDER|ROUNDING",
)
_ROUNDING = re.compile(r"\bROUNDING|\bZAOKR|ОКРУГЛ", re.IGNORECASE)
_MAX_ROUNDING = Decimal("0.10")
# A rounding's cents as the till or the OCR left them: "0 03" (the point lost), ".02" (no
# leading zero).
_POINT_LOST = re.compile(r"(?<![\w.,])(?P<neg>-)?(?:0[ .,]?\s?|[.,])(?P<cents>0\d)(?P<neg2>-)?\s*$")
_SUBTOTAL = re.compile(r"SUB[\s-]?TOTAL|ПОДИТОГ|PODSUMA|PODSUMOWANIE", re.IGNORECASE)
_RATE = re.compile(r"(?<![\d.,])(?P<rate>\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_TAX_WORD = re.compile(r"\b(?:TAX|VAT|PTU|НДС|GST|VAT\s+RATE)\b", re.IGNORECASE)
_TAX_SUM = re.compile(r"\b(?:SUMA|TOTAL|SUM)\b", re.IGNORECASE)
# A total that says the tax is in it or left out of it ("Total Incl. GST", "Total Sales
# (Inclusive GST)", "excl. VAT") is a base or the total, never a tax amount.
_BASE_WORDS = re.compile(r"\b(?:INCL?|EXCL?|INCLUSIVE|EXCLUSIVE|INCLUDED|EXCLUDED)\b", re.I)


@dataclass(frozen=True)
class Figure:
    """An amount read from a row, and how sure the reading is (0–1)."""

    value: Decimal
    row: int
    confidence: float


def _has_keyword(upper: str, key: str) -> bool:
    return re.search(rf"(?<![^\W\d_]){re.escape(key)}(?![^\W\d_])", upper) is not None


def _after_keyword(texts: Sequence[str], index: int) -> tuple[Decimal, int] | None:
    """The amount on row ``index``, or alone on the next row (a large-print total)."""
    found = [a for a in amounts(texts[index]) if a > 0]
    if found:
        return found[-1], index
    following = index + 1
    if following < len(texts) and is_amount_only(texts[following]):
        found = [a for a in amounts(texts[following]) if a > 0]
        if found:
            return found[-1], following
    return None


def _candidates(texts: Sequence[str]) -> list[tuple[int, Figure]]:
    """Every amount after a total keyword, with the keyword's tier (0 strongest)."""
    found = []
    for index, text in enumerate(texts):
        upper = text.upper()
        if _NOT_TOTAL.search(_INCLUDED_TAX.sub(" ", upper)):
            continue
        for tier, keys in enumerate(_TOTAL_KEYS):
            if any(_has_keyword(upper, key) for key in keys):
                if (after := _after_keyword(texts, index)) is not None:
                    found.append((tier, Figure(after[0], after[1], _KEY_CONFIDENCE[tier])))
                break
    return found


def _keyword_total(
    texts: Sequence[str], paid: Collection[Decimal], expected: Collection[Decimal]
) -> Figure | None:
    """The best-supported total candidate: a stronger keyword, an amount that was paid, one
    that the items add up to, no tax rate on its row; the earliest wins a tie."""
    candidates = _candidates(texts)
    if not candidates:
        return None
    cash = _cash_total(texts)

    def support(candidate: tuple[int, Figure]) -> tuple[int, Decimal]:
        tier, figure = candidate
        score = 3 * (tier == 0) + 2 * (figure.value in paid) + (figure.value in expected)
        score += 2 * (cash is not None and cash.value == figure.value)
        score -= _RATE.search(texts[figure.row]) is not None
        return score, figure.value

    return max(candidates, key=support)[1]


def _cash_total(texts: Sequence[str]) -> Figure | None:
    """Total, cash tendered and change print in a row: tendered − change = total."""
    finals = [(amounts(text)[-1], i) for i, text in enumerate(texts) if amounts(text)]
    for (due, row), (tendered, _), (change, _) in zip(finals, finals[1:], finals[2:], strict=False):
        if 0 < due < tendered and change > 0 and tendered - change == due:
            return Figure(due, row, 0.7)
    return None


def _repeated_total(texts: Sequence[str]) -> Figure | None:
    """The largest amount printed more than once (subtotal, total, payment line)."""
    rows = Counter(a for text in texts for a in set(amounts(text)) if a > 0)
    repeated = [amount for amount, count in rows.items() if count >= 2]
    if not repeated:
        return None
    best = max(repeated)
    row = next(i for i, text in enumerate(texts) if best in amounts(text))
    return Figure(best, row, 0.5)


def read_total(
    texts: Sequence[str], paid: Collection[Decimal] = (), expected: Collection[Decimal] = ()
) -> Figure | None:
    """The amount to pay: after a total keyword; else cash arithmetic; else a repeated amount.

    Among several total rows, one whose amount was paid (``paid``: card or cash rows) is
    preferred, then one the items add up to (``expected``).
    """
    return _keyword_total(texts, paid, expected) or _cash_total(texts) or _repeated_total(texts)


def _cents(text: str) -> list[Decimal]:
    """A rounding's cents that ``amounts`` does not read: "Rounding Adj :  0 03", ".02"."""
    match = _POINT_LOST.search(text)
    if match is None:
        return []
    value = Decimal(f"0.{match['cents']}")
    return [-value if match["neg"] or match["neg2"] else value]


def read_rounding(texts: Sequence[str]) -> Decimal:
    """The cash rounding printed between the items' sum and the total (0 when none)."""
    found = Decimal(0)
    for text in texts:
        values = (amounts(text) or _cents(text)) if _ROUNDING.search(text) else []
        if values and abs(values[-1]) < _MAX_ROUNDING:
            found += values[-1]
    return found


def tax_amounts(texts: Sequence[str]) -> set[Decimal]:
    """Every amount printed on a row that names a tax ("GST  DISC  3.36  0.00"), whatever
    the row's columns: candidates for the tax where the tax row's columns were garbled."""
    return {a for text in texts if _TAX_WORD.search(text) for a in amounts(text) if a > 0}


def read_subtotal(texts: Sequence[str]) -> Figure | None:
    """The printed subtotal (SUBTOTAL, ПОДИТОГ, PODSUMA), if any."""
    for index, text in enumerate(texts):
        if _SUBTOTAL.search(text) and (found := _after_keyword(texts, index)) is not None:
            return Figure(found[0], found[1], 0.95)
    return None


def _rate(printed: str) -> str:
    value = Decimal(printed.replace(",", "."))
    if value == value.to_integral_value():
        return f"{int(value)}%"
    return f"{printed.replace(',', '.')}%"


def _tax_amount(values: list[Decimal], rate: Decimal) -> Decimal | None:
    """The tax among the amounts of a tax row: alone, or net + tax = gross, or rate × base."""
    if len(values) == 1:
        return values[0]
    for net, tax, gross in zip(values, values[1:], values[2:], strict=False):
        if net + tax == gross:
            return tax
    for base, tax in itertools.pairwise(values):
        for share in (rate / 100, rate / (100 + rate)):
            if abs(base * share - tax) <= Decimal("0.01"):
                return tax
    return values[-1] if values else None


def is_share(base: Decimal, tax: Decimal, rate: Decimal) -> bool:
    """Whether ``tax`` is ``rate`` per cent of ``base``, added to it or inside it (to a cent)."""
    if not 0 < tax < base:
        return False
    return any(abs(base * share - tax) <= CENT for share in (rate / 100, rate / (100 + rate)))


def _base_and_tax(values: Sequence[Decimal], rate: Decimal) -> Decimal | None:
    """The tax of a row that prints a base and its tax at ``rate`` side by side."""
    return next(
        (tax for base, tax in itertools.pairwise(values) if is_share(base, tax, rate)), None
    )


def _tax_row(text: str) -> tuple[str | None, Decimal] | None:
    match = _RATE.search(text)
    if match is None:
        total = _TAX_SUM.search(text)
        if _TAX_WORD.search(text) and not (total and _BASE_WORDS.search(text)):
            # A tax total ("TOTAL TAX 0.28", "SUMA PTU") counts where no per-rate row does.
            found = [a for a in amounts(text) if a >= 0]
            return (None, found[-1]) if found else None
        return None
    rate = Decimal(match["rate"].replace(",", "."))
    values = [f.value for f in find_amounts(text[match.end() :]) if f.value >= 0]
    words = re.sub(r"\b[A-G]\b", "", text[: match.start()])
    if not _TAX_WORD.search(text) and re.search(r"[^\W\d_]{2,}", words):
        # A rate inside a name ("MLEKO 3,2%") is no tax row; a rate with a base and its tax
        # beside it ("SR 6%  22.99  1.38") is, whatever its words.
        tax = _base_and_tax(values, rate) if rate > 0 else None
        return None if tax is None else (_rate(match["rate"]), tax)
    tax = _tax_amount(values, rate)
    return None if tax is None else (_rate(match["rate"]), tax)


def _rate_value(printed: str) -> Decimal:
    return Decimal(printed.rstrip("%"))


def read_tax(texts: Sequence[str]) -> list[tuple[str | None, Decimal]]:
    """One (rate, amount) per rate of the tax summary, in printed order."""
    found: dict[str | None, Decimal] = {}
    loose: list[Decimal] = []  # amounts of tax rows that print no rate
    for text in texts:
        if (row := _tax_row(text)) is None:
            continue
        if row[0] is None:
            loose.append(row[1])
        if row[0] not in found:
            found[row[0]] = row[1]
    for rate, value in found.items():
        # A rate row that printed its base ("Total 6% supplies (excl. GST): 36.24") and a
        # row without a rate that printed the tax on it ("GST: 2.17"): the tax agrees with it.
        share = next((x for x in loose if rate and is_share(value, x, _rate_value(rate))), None)
        if share is not None:
            found[rate] = share
    if len(found) > 1:
        found.pop(None, None)  # a tax total beside the per-rate rows
    return list(found.items())
