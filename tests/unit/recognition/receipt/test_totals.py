"""Footer figures: total (never the cash tendered or change), subtotal, tax per rate, payment,
and whether the items add up."""

# Cyrillic text is meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]

POLISH_CASH = [
    "Hipermarket ASTRA",
    "NIP 8971071719",
    "2026-09-03 | 12:56",
    "PARAGON FISKALNY",
    "Marchew luz | 1,815 * 3,99 | 7,24 C",
    "Bagietka | 3 * 3,19 | 9,57 A",
    "Sprzedaż opodatkowana A | 9,57",
    "PTU A 23,00% | 1,79",
    "Sprzedaż opodatkowana C | 7,24",
    "PTU C 5,00% | 0,34",
    "Suma PTU | 2,13",
    "SUMA PLN",
    "16,81",  # the total printed large, alone on the next row
    "Gotówka | 20,00",
    "Reszta | 3,19",
]


def test_polish_cash_receipt_total_is_not_the_cash_given(parse_rows: ParseRows) -> None:
    found = parse_rows(POLISH_CASH)
    assert found.total == "16.81"
    assert found.subtotal is None
    assert [(t.rate, t.amount) for t in found.tax] == [("23%", "1.79"), ("5%", "0.34")]
    assert found.payment.method == "cash"
    assert found.payment.card_last4 is None
    assert found.reconciliation.status == "consistent"
    assert found.reconciliation.difference == "0.00"


def test_russian_totals_taxes_and_cashless_payment(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            'ООО "ЛАДА-ТОРГ"',
            "ИНН 3854582123",
            "23.01.2026 08:13 | Смена 40",
            "ХЛЕБ БОРОДИНСКИЙ 400Г | 4 × 59.90 =239.60",
            "СОК ЯБЛОЧНЫЙ 1Л | 1 × 129.99 =129.99",
            "ПОДИТОГ | =369.59",
            "ИТОГ | =369.59",
            "БЕЗНАЛИЧНЫМИ | =369.59",
            "СУММА НДС 20% | =21.67",
            "СУММА НДС 10% | =21.78",
        ]
    )
    assert (found.subtotal, found.total) == ("369.59", "369.59")
    assert [(t.rate, t.amount) for t in found.tax] == [("20%", "21.67"), ("10%", "21.78")]
    assert found.payment.method == "card"
    assert found.currency == "RUB"
    assert found.reconciliation.status == "consistent"


def test_russian_cash_with_change(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            'ООО "ЛАДА-ТОРГ"',
            "КАССОВЫЙ ЧЕК",
            "КЕФИР 1% 900Г | 3 × 69.90 =209.70",
            "ИТОГ | =209.70",
            "НАЛИЧНЫМИ | =500.00",
            "СДАЧА | =290.30",
        ]
    )
    assert found.total == "209.70"
    assert found.payment.method == "cash"


def test_uk_card_with_masked_number_and_vat_table(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "MARKET PLACE",
            "184 Station Road",
            "Cardiff CF10 1EP",
            "VAT No: GB 550 6201 34",
            "Orange Juice 1L | £1.70",
            "Sparkling Water 2L | £0.65",
            "SUBTOTAL | (2 items) | £2.35",
            "TOTAL | £2.35",
            "VISA | £2.35",
            "CARD NUMBER | ************2512",
            "CHANGE DUE | £0.00",
            "VAT RATE | NET | VAT | GROSS",
            "0.0% | 1.70 | 0.00 | 1.70",
            "20.0% | 0.54 | 0.11 | 0.65",
            "04/02/2025 | 17:13 | ST:2850 OP:75",
        ]
    )
    assert (found.subtotal, found.total) == ("2.35", "2.35")
    assert [(t.rate, t.amount) for t in found.tax] == [("0%", "0.00"), ("20%", "0.11")]
    assert (found.payment.method, found.payment.card_last4) == ("card", "2512")
    assert (found.date, found.time) == ("2025-02-04", "17:13")
    assert found.merchant.tax_id == "GB 550 6201 34"


def test_us_cash_tendered_and_change_are_not_the_total(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "PRAIRIE MART",
            "6133 MAIN ST",
            "PHOENIX, AZ 85004",
            "BANANAS BUNCH | 2.50 F",
            "POTATO CHIPS 8OZ | 4.23 T",
            "SUBTOTAL | 6.73",
            "TAX 1 | 8.60 % | 0.36",
            "TOTAL | 7.09",
            "CASH TEND | 10.00",
            "CHANGE DUE | 2.91",
            "07/01/2026 | 02:45 PM",
        ]
    )
    assert found.total == "7.09"
    assert found.payment.method == "cash"
    assert (found.date, found.time, found.currency) == ("2026-07-01", "14:45", "USD")
    assert found.reconciliation.status == "consistent"


def test_amount_due_outranks_total(parse_rows: ParseRows) -> None:
    found = parse_rows(["SHOP", "TEA | 2.00", "TOTAL | 2.00", "AMOUNT DUE | 1.50"])
    assert found.total == "1.50"


def test_the_total_that_was_paid_wins_over_other_total_rows(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "SHOP",
            "Total Amount: RM7.72",
            "Rounding: -RM0.02",
            "Nett Total: RM7.70",
            "CASH | RM7.70",
            "GST Summary | Amount | Tax",
            "TOTAL: | 7.72 | 0.00",
        ]
    )
    assert found.total == "7.70"


@pytest.mark.parametrize(
    ("last_row", "status", "difference"),
    [
        ("SUMA PLN | 10,47", "consistent", "0.00"),
        ("SUMA PLN | 11,47", "mismatch", "1.00"),
    ],
)
def test_reconciliation_statuses(
    parse_rows: ParseRows, last_row: str, status: str, difference: str
) -> None:
    found = parse_rows(["SKLEP", "PARAGON FISKALNY", "MLEKO | 3 x3,49 | 10,47C", last_row])
    assert found.reconciliation.status == status
    assert found.reconciliation.difference == difference
    trusted = found.confidence["total"] >= 0.9
    assert trusted == (status == "consistent")


def test_reconciliation_needs_review_without_a_total(parse_rows: ParseRows) -> None:
    found = parse_rows(["SKLEP", "PARAGON FISKALNY", "MLEKO | 3 x3,49 | 10,47C"])
    assert found.total is None
    assert found.reconciliation.status == "needs_review"
    assert found.reconciliation.difference is None


def test_a_misread_line_amount_is_corrected_by_its_quantity_and_price(
    parse_rows: ParseRows,
) -> None:
    found = parse_rows(
        [
            "SKLEP",
            "PARAGON FISKALNY",
            "MLEKO | 3 x3,49 | 16,47C",
            "CHLEB | 1 x4,19 | 4,19C",
            "SUMA PLN | 14,66",
        ]
    )
    assert [i.total for i in found.items] == ["10.47", "4.19"]
    assert found.reconciliation.status == "consistent"


def test_cash_rounding_counts_and_the_amount_paid_is_not_the_total(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "SHOP",
            "70g P.Copy 450'S | 27.38 T",
            "Stat-Great Saving | -6.40",
            "Total RM Incl. of GST | 20.98",
            "Rounding Adj | 0.02",
            "Total RM | 21.00",
            "Total Paid | RM50.00",
            "Change | RM29.00",
        ]
    )
    assert found.total == "21.00"
    assert found.payment.method == "cash"
    assert found.reconciliation.status == "consistent"
