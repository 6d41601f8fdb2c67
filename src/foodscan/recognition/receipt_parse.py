"""The first receipt parse (merchant, date, time, total, currency), kept for its callers.

A thin shim over ``recognition.receipt``, the full parser: it reads plain text rows, one
string per printed row or per OCR box, and returns the five header and footer fields. New
code calls ``recognition.receipt.parse_receipt`` with the OCR lines instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from foodscan.recognition.receipt import parse_text


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
    found = parse_text(lines)
    return ReceiptSummary(
        merchant=found.merchant.name,
        date=found.date,
        time=found.time,
        total=found.total,
        currency=found.currency,
    )
