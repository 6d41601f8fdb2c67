"""Line items: weights, multi-buys, quantity lines above or below, discounts, deposits."""

# Cyrillic text and the multiplication sign are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]


def items(found: ReceiptParse) -> list[tuple[Any, ...]]:
    return [(i.name, i.quantity, i.unit, i.unit_price, i.total, i.discount) for i in found.items]


def test_polish_weights_multibuys_and_deposits(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "PARAGON FISKALNY",
            "MLEKO UHT 3,2% 1L | 2 x3,49 | 6,98C",
            "JABŁKA LUZ | 1,152 x4,99 | 5,75C",
            "KIEŁBASA KRAKOWSKA",
            "1,126 x35,19 | 39,62C",
            "Opakowania zwrotne:",
            "KAUCJA BUTELKA 5 x0,50 | 2,50",
            "SUMA PLN | 54,85",
        ]
    )
    assert items(found) == [
        ("MLEKO UHT 3,2% 1L", 2, "pcs", "3.49", "6.98", None),
        ("JABŁKA LUZ", 1.152, "kg", "4.99", "5.75", None),
        ("KIEŁBASA KRAKOWSKA", 1.126, "kg", "35.19", "39.62", None),
        ("KAUCJA BUTELKA", 5, "pcs", "0.50", "2.50", None),
    ]
    assert found.reconciliation.status == "consistent"


@pytest.mark.parametrize("keyword", ["Rabat", "Obniżka", "Upust"])
def test_polish_discount_attaches_to_the_item_above(parse_rows: ParseRows, keyword: str) -> None:
    found = parse_rows(
        [
            "JOGURT NATURALNY 400G | 1 x3,29 | 3,29C",
            f"{keyword} | -0,85C",
            "2,44C",  # the item's amount after the discount, printed under it
            "CHLEB | 1 x4,19 | 4,19C",
            "SUMA PLN | 6,63",
        ]
    )
    assert items(found) == [
        ("JOGURT NATURALNY 400G", 1, "pcs", "3.29", "3.29", "0.85"),
        ("CHLEB", 1, "pcs", "4.19", "4.19", None),
    ]
    assert found.reconciliation.status == "consistent"


def test_discount_keyword_alone_with_its_amount_on_the_next_row(parse_rows: ParseRows) -> None:
    found = parse_rows(
        ["Śmietana 18% 400g | 1 * 4,79 4,79 C", "Obniżka", "-0,56 C", "SUMA PLN 4,23"]
    )
    assert items(found) == [("Śmietana 18% 400g", 1, "pcs", "4.79", "4.79", "0.56")]


def test_uk_weighed_goods_and_multibuy_under_the_item(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "MARKET PLACE",
            "Braeburn Apples Loose",
            "0.845 kg @ £2.20/kg | £1.86",
            "Tea Bags 80s | £7.44",
            "3 @ £2.48",
            "Broccoli | £1.58",
            "2 @ £0.79",
            "Reduced | -£0.24",
            "SUBTOTAL | £10.64",
            "TOTAL | £10.64",
        ]
    )
    assert items(found) == [
        ("Braeburn Apples Loose", 0.845, "kg", "2.20", "1.86", None),
        ("Tea Bags 80s", 3, "pcs", "2.48", "7.44", None),
        ("Broccoli", 2, "pcs", "0.79", "1.58", "0.24"),
    ]
    assert found.currency == "GBP"
    assert found.reconciliation.status == "consistent"


def test_us_quantity_line_above_its_item_and_savings_below(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "ST# 953 OP# 6 TE# 11 TR# 97508",
            "2 @ 1.25",
            "BANANAS BUNCH | 818638344789 | 2.50 F",
            "STRAWBERRIES 1LB | 895919652391 | 3.49 F",
            "4 @ 1.20",
            "BABY CARROTS 1LB | 4.80 F",
            "MEMBER SAVINGS | 0.57-",
            "SUBTOTAL | 10.22",
            "TAX 1 | 8.60 % | 0.88",
            "TOTAL | 11.10",
        ]
    )
    assert items(found) == [
        ("BANANAS BUNCH", 2, "pcs", "1.25", "2.50", None),
        ("STRAWBERRIES 1LB", 1, "pcs", "3.49", "3.49", None),
        ("BABY CARROTS 1LB", 4, "pcs", "1.20", "4.80", "0.57"),
    ]
    assert [(t.rate, t.amount) for t in found.tax] == [("8.60%", "0.88")]
    assert found.reconciliation.status == "consistent"  # net prices: sales tax on top


def test_russian_rows_with_weights_litres_and_discounts(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "КАССОВЫЙ ЧЕК",
            "ЛУК РЕПЧАТЫЙ | 0.885 кг x 30.00 =26.55",
            "ПЕЧЕНЬЕ САХАРНОЕ 300Г | 1 × 90.00 =90.00",
            "СКИДКА | =-8.64",
            "ОГУРЦЫ СРЕДНЕПЛОДНЫЕ",
            "0.423 кг x 199.99 =84.60",
            "КВАС РАЗЛИВНОЙ | 1.500 л × 80.00 =120.00",
            "ИТОГ | =312.51",
        ]
    )
    assert items(found) == [
        ("ЛУК РЕПЧАТЫЙ", 0.885, "kg", "30.00", "26.55", None),
        ("ПЕЧЕНЬЕ САХАРНОЕ 300Г", 1, "pcs", "90.00", "90.00", "8.64"),
        ("ОГУРЦЫ СРЕДНЕПЛОДНЫЕ", 0.423, "kg", "199.99", "84.60", None),
        ("КВАС РАЗЛИВНОЙ", 1.5, "l", "80.00", "120.00", None),
    ]
    assert found.reconciliation.status == "consistent"


def test_russian_numbered_items_skip_their_tax_and_discounted_amount(
    parse_rows: ParseRows,
) -> None:
    found = parse_rows(
        [
            'Магазин "Копейка-Плюс"',
            "Чек 110 | Кассир Иванова А.",
            "1. Лаваш армянский",
            "2 x 50.00 | =100.00",
            "СКИДКА | =-25.60",
            "СУММА СО СКИДКОЙ | =74.40",
            "НДС 10% | =6.76",
            "2. Батон нарезной 400г",
            "1 x 49.90 | =49.90",
            "НДС 10% | =4.54",
            "ИТОГ | =124.30",
        ]
    )
    assert items(found) == [
        ("Лаваш армянский", 2, "pcs", "50.00", "100.00", "25.60"),
        ("Батон нарезной 400г", 1, "pcs", "49.90", "49.90", None),
    ]
    assert found.total == "124.30"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # The OCR lost the "x": price and amount tell the count.
        ("Bułka kajzerka | 4,79 4,79 C", ("Bułka kajzerka", 1, "pcs", "4.79", "4.79")),
        ("Mąka pszenna 1kg | 3 | 3,79 11,37 C", ("Mąka pszenna 1kg", 3, "pcs", "3.79", "11.37")),
        # ...and glued the count to the price: "3 * 0,49" read as "30,49".
        ("Bułka kajzerka | 30,49 1,47 C", ("Bułka kajzerka", 3, "pcs", "0.49", "1.47")),
        # A weight before the price without its "x".
        (
            "Pomidory malino 1,765 | 12,59 22,22 C",
            ("Pomidory malino", 1.765, "kg", "12.59", "22.22"),
        ),
        # No count printed before the "x".
        ("MIESO MIELONE | x10,79 43,16C", ("MIESO MIELONE", 4, "pcs", "10.79", "43.16")),
        # A decimal comma the OCR split: "0, 79".
        ("Bułka | 1 * 0, 79 0, 79 C", ("Bułka", 1, "pcs", "0.79", "0.79")),
        # "@" read as "0" before a pound sign.
        ("Carrots | 2 0 £1.35 | £2.70", ("Carrots", 2, "pcs", "1.35", "2.70")),
        # "1L" ends the name; it is no quantity of litres.
        ("Mleko UHT 3,2% 1L | * 3,29 3,29 C", ("Mleko UHT 3,2% 1L", 1, "pcs", "3.29", "3.29")),
    ],
)
def test_item_rows_the_ocr_damaged(
    parse_rows: ParseRows, row: str, expected: tuple[Any, ...]
) -> None:
    found = parse_rows(["PARAGON FISKALNY", row, "SUMA PLN 100,00"])
    assert [item[:5] for item in items(found)] == [expected]


def test_item_with_an_unreadable_amount_gets_what_the_total_leaves(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "Marchew luz | 1,815 * 3,99 | 7,24 C",
            "Ser gouda plastry 150 | 559555",
            "Bułka kajzerka | 1 * 0,49 | 0,49 C",
            "SUMA PLN | 13,32",
        ]
    )
    assert [(i.name, i.total) for i in found.items] == [
        ("Marchew luz", "7.24"),
        ("Ser gouda plastry 150", "5.59"),
        ("Bułka kajzerka", "0.49"),
    ]
    assert found.reconciliation.status == "needs_review"


def test_rows_of_a_tilted_photo_in_any_order(parse_rows: ParseRows) -> None:
    rows = ["CHLEB | 1 x4,19 | 4,19C", "MLEKO | 2 x3,49 | 6,98C", "SUMA PLN | 11,17"]
    found = parse_rows(rows, degrees=3.5)
    assert [(i.name, i.total) for i in found.items] == [("CHLEB", "4.19"), ("MLEKO", "6.98")]
    assert found.total == "11.17"


def test_pdf_text_lines_keep_their_columns() -> None:
    """A PDF text layer gives one line per row, columns apart by runs of spaces."""
    texts = ["SKLEP ANIA", "PARAGON FISKALNY", "Zestaw nr 20      190,50 A", "SUMA PLN      190,50"]
    lines = [
        OcrLine(
            text,
            ((0.0, 20.0 * i), (500.0, 20.0 * i), (500.0, 20.0 * i + 15), (0.0, 20.0 * i + 15)),
            1.0,
        )
        for i, text in enumerate(texts)
    ]
    found = parse_receipt(lines)
    assert found.total == "190.50"
    assert [(i.name, i.total) for i in found.items] == [("Zestaw nr 20", "190.50")]
