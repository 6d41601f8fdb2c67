"""Currencies that share a sign are told apart by the receipt's marks of its country, on
receipts from ``dollar_receipts`` (one kind of evidence each); "$" alone is USD, unsure."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from foodscan.recognition.receipt.locale import currency_guess
from foodscan.recognition.receipt.model import ReceiptParse
from tests.unit.recognition.receipt.dollar_receipts import EVIDENCE, dollar_receipt

ParseRows = Callable[..., ReceiptParse]
CASES = [(currency, kind) for currency, kinds in EVIDENCE.items() for kind in kinds]


@pytest.mark.parametrize(("currency", "kind"), CASES)
def test_a_dollar_sign_is_the_dollar_of_the_country_the_receipt_names(
    parse_rows: ParseRows, currency: str, kind: str
) -> None:
    for seed in range(3):
        rows = dollar_receipt(currency, kind, seed)
        found = parse_rows(rows)
        assert found.currency == currency, rows
        assert found.confidence["currency"] == 0.85
        # The currency comes with the right total, the one the TOTAL row prints.
        printed = next(row for row in rows if row.startswith("TOTAL"))
        assert found.total is not None
        assert Decimal(found.total) == Decimal(printed.rsplit("$", 1)[1])


def test_a_dollar_sign_and_nothing_else_is_usd_with_low_confidence(parse_rows: ParseRows) -> None:
    for seed in range(5):
        found = parse_rows(dollar_receipt("USD", None, seed))
        assert found.currency == "USD"
        assert found.confidence["currency"] == 0.5


def test_the_malaysian_receipt_of_the_issue_is_in_ringgit(parse_rows: ParseRows) -> None:
    # A SROIE-style header (the shop's own words invented): company number, GST id, a state.
    found = parse_rows(
        [
            "KEDAI RUNCIT MAJU SDN BHD",
            "(1002345-T)",
            "NO 12, JALAN MERDEKA 3,",
            "43000 KAJANG, SELANGOR.",
            "GST ID : 001234567890",
            "TAX INVOICE",
            "MILO 1KG | $18.90",
            "TOTAL | $18.90",
        ]
    )
    assert (found.currency, found.confidence["currency"]) == ("MYR", 0.85)


@pytest.mark.parametrize(
    ("text", "code", "confidence"),
    [
        ("TOTAL US$ 12.00\nKOWLOON, HONG KONG", "USD", 0.9),  # its own sign wins
        ("TOTAL HK$12.00", "HKD", 0.9),
        ("TOTAL S$12.00", "SGD", 0.9),
        ("TOTAL A$12.00", "AUD", 0.9),
        ("TOTAL C$12.00", "CAD", 0.9),
        ("TOTAL NZ$12.00", "NZD", 0.9),
        ("TOTAL RM 12.00\nTOTAL $12.00", "MYR", 0.9),
        ("TOTAL £12.00", "GBP", 0.9),
        ("TOTAL 12.00\nSINGAPORE 238859", "SGD", 0.7),  # no sign: the country alone
        ("TOTAL 12.00", None, None),
        # GST at a rate of no country below, with "$": nothing points anywhere.
        ("GST 3%\nTOTAL $12.00", "USD", 0.5),
    ],
)
def test_printed_signs_and_codes(text: str, code: str | None, confidence: float | None) -> None:
    guess = currency_guess(text, "en")
    found = (guess.code, guess.confidence) if guess else (None, None)
    assert found == (code, confidence)


def test_the_currency_steers_the_date_order_only_for_usd(parse_rows: ParseRows) -> None:
    # 03/04: April 3rd outside the US; a Malaysian "$" receipt reads day first.
    rows = dollar_receipt("MYR", "region", 0)
    rows = [row if "/2024" not in row else "03/04/2024 10:15" for row in rows]
    assert parse_rows(rows).date == "2024-04-03"
