"""The five header and footer fields of a parse, as plain values: what the older receipt tests
compare (merchant, date, time, total, currency), read through ``recognition.receipt.parse_text``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from foodscan.recognition.receipt import parse_text


@dataclass(frozen=True)
class ReceiptSummary:
    """The header and footer fields of a receipt; ``None`` where not found."""

    merchant: str | None
    date: str | None
    time: str | None
    total: str | None
    currency: str | None

    def to_dict(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)


def parse_receipt(lines: list[str]) -> ReceiptSummary:
    """Parse plain text rows and keep the five fields."""
    found = parse_text(lines)
    return ReceiptSummary(found.merchant.name, found.date, found.time, found.total, found.currency)
