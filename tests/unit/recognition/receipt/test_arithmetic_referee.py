"""The receipt's arithmetic as referee on Malaysian-style receipts (the generator's ``my``
locale, ``bench/receipt_gen/my.py``; rows copied from its output, shortened where the rest
does not matter): items in sections closed by their own sums, a name printed under its code
and price row, GST added to an ex-tax subtotal or inside the prices, a cash rounding, a bill
discount above the total; and a ``consistent`` verdict that always means a right total."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from foodscan.recognition.receipt.amounts import amounts
from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]

_HEADER = [
    "SRI MURNI MART SDN BHD",
    "9, JALAN SUBANG JASA 3",
    "GST ID: 000900562035",
    "TAX INVOICE",
    "Date: 15/01/2024 10:21",
    "ITEM | QTY | U/P | AMOUNT",
]
# Two sections (zero-rated, then 6%), each closed by its sum; the name under each code row.
_SECTIONS = [
    "2077888264343 | 4 | 26.00 | 104.00 Z",
    "Z:RICE FRAGRANT 10KG",
    "DISC | -31.20",
    "Total 0% supplies: | 72.80",
    "8080790235875 | 1 | 7.84 | 7.84 S",
    "S:TEH TARIK 3IN1 15S",
    "6800803440296 | 3 | 21.90 | 65.70 S",
    "S:SABUN DOBI 3KG",
    "Total 6% supplies: | 73.54",
]
_INCLUSIVE_FOOTER = [
    "SUB-TOTAL | 146.34",
    "Total Sales (Inclusive GST) | 146.34",
    "ROUNDING | 0.01",
    "Total Amount | 146.35",
    "CASH TENDERED | 150.00",
    "CHANGE | 3.65",
]


def test_items_in_sections_with_names_under_their_codes_add_up(parse_rows: ParseRows) -> None:
    found = parse_rows([*_HEADER, *_SECTIONS, *_INCLUSIVE_FOOTER])
    assert [item.name for item in found.items] == [
        "Z:RICE FRAGRANT 10KG",
        "S:TEH TARIK 3IN1 15S",
        "S:SABUN DOBI 3KG",
    ]
    assert [item.total for item in found.items] == ["104.00", "7.84", "65.70"]
    assert found.items[0].discount == "31.20"
    assert found.total == "146.35"
    assert found.reconciliation.status == "consistent"


def test_total_row_lost_the_payment_and_the_rounding_give_it(parse_rows: ParseRows) -> None:
    footer = [row for row in _INCLUSIVE_FOOTER if not row.startswith("Total Amount")]
    found = parse_rows([*_HEADER, *_SECTIONS, *footer])
    assert found.total == "146.35"
    assert found.reconciliation.status == "consistent"


def test_a_rounding_in_unknown_words_leaves_the_total_in_doubt(parse_rows: ParseRows) -> None:
    """The total row lost and the rounding worded as no rule knows: the items make the total
    before rounding, but cash less change says 146.35 was paid. Never ``consistent``."""
    footer = [
        "SUB-TOTAL | 146.34",
        "Total Sales (Inclusive GST) | 146.34",
        "RNDG ADJ | 0.01",
        "CASH TENDERED | 150.00",
        "CHANGE | 3.65",
    ]
    found = parse_rows([*_HEADER, *_SECTIONS, *footer])
    assert found.reconciliation.status != "consistent"


def test_a_lost_item_row_is_never_made_consistent(parse_rows: ParseRows) -> None:
    """The second section without one of its items: its sum no longer adds it up, so its
    rows are not taken as items, and nothing is dropped to make the rest agree."""
    sections = [row for row in _SECTIONS if "TEH TARIK" not in row and "7.84" not in row]
    found = parse_rows([*_HEADER, *sections, *_INCLUSIVE_FOOTER])
    assert found.reconciliation.status != "consistent"


def test_rounding_cents_printed_without_a_leading_zero(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            *_HEADER,
            "5366366528269 | 2 | 3.40 | 6.80 S",
            "S:KICAP MANIS 345ML",
            "8597523051033 | 1 | 12.39 | 12.39 S",
            "S:NESCAFE 3IN1 30S",
            "SUB-TOTAL | 19.19",
            "Total Sales (Inclusive GST) | 19.19",
            "Rounding Adjustment | -.04",
            "VISA | 19.15",
            "XXXXXXXXXXXX9712",
        ]
    )
    assert found.total == "19.15"
    assert found.reconciliation.status == "consistent"


def test_a_base_per_rate_and_its_tax_on_a_row_without_a_rate(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            *_HEADER,
            "O.C. WHITE | 2.13 | 3 | 6.39",
            "WHOLEMEAL | 2.78 | 5 | 13.90",
            "Total 0% supplies: | 20.29",
            "CR-CHOCLT | 0.72 | 20 | 14.40",
            "Total 6% supplies (excl. GST): | 14.40",
            "GST: | 0.86",
            "Total 6% supplies (Inc. GST): | 15.26",
            "Total Payable: | 35.55",
        ]
    )
    assert len(found.items) == 3
    assert [(tax.rate, tax.amount) for tax in found.tax] == [("6%", "0.86")]
    assert found.total == "35.55"
    assert found.reconciliation.status == "consistent"


def test_gst_added_to_the_subtotal_from_a_garbled_tax_row(parse_rows: ParseRows) -> None:
    """The GST row's columns ran together ("GST  DISC  2.16  0.00"): the tax is the amount on
    a tax row that makes the subtotal into the total."""
    found = parse_rows(
        [
            *_HEADER,
            "9555223500307 | 2 | 17.99 | 35.98",
            "SR:MILO 1KG",
            "95571661100182 | 1 | 4.01 | 4.01",
            "ZRL:SARDIN 425G",
            "SUB-TOTAL (EX) | 39.99",
            "GST | DISC | 2.16 | 0.00",
            "TOTAL | 42.15",
            "CASH | 42.15",
        ]
    )
    assert [tax.amount for tax in found.tax] == ["2.16"]
    assert found.reconciliation.status == "consistent"


def test_a_discount_on_the_whole_bill_above_the_total(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            *_HEADER,
            "MILO 1KG | 1 17.99 17.99",
            "SARDIN 425G | 2 6.45 12.90",
            "SUB-TOTAL | 30.89",
            "Coupon Discount | -3.09",
            "Total Sales (Inclusive GST) | 27.80",
            "CASH | 30.00",
            "CHANGE | 2.20",
        ]
    )
    assert found.total == "27.80"
    assert found.reconciliation.status == "consistent"


def test_fuel_litres_are_not_money() -> None:
    assert amounts("22.73 litre Pump # 06") == []
    assert amounts("FuelSave 95  RM  50.00 C") == [Decimal("50.00")]


def test_a_bill_discount_before_gst_added_to_the_subtotal(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            *_HEADER,
            "MILO 1KG | 1 17.99 17.99",
            "SARDIN 425G | 2 6.00 12.00",
            "SUB-TOTAL (EX) | 29.99",
            "Bill Discount | -2.99",
            "GST @ 6% | 1.80",
            "TOTAL | 28.80",
            "CASH | 50.00",
            "CHANGE | 21.20",
        ]
    )
    assert found.total == "28.80"
    assert found.reconciliation.status == "consistent"


def test_a_total_before_the_rounding_whose_rounded_sum_was_paid(parse_rows: ParseRows) -> None:
    """The total row is the sum before the cash rounding and one item's amount was not read
    (the items cannot referee): the card paid the rounded sum, which is the total."""
    found = parse_rows(
        [
            *_HEADER,
            "5366366528269 | 2 | 3.40 | 6.80 S",
            "S:KICAP MANIS 345ML",
            "8597523051033 | 1 | S 39",
            "S:NESCAFE 3IN1 30S",
            "Total Sales (Inclusive GST) | 19.19",
            "Rounding Adjustment | -.04",
            "VISA | 19.15",
            "XXXXXXXXXXXX9712",
        ]
    )
    assert found.total == "19.15"
    assert found.reconciliation.status != "consistent"
