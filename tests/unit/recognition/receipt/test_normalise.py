"""What Tesseract leaves at a Russian row's edges, and letters confused across scripts."""

# Cyrillic text is meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.recognition.receipt.model import ReceiptParse
from foodscan.recognition.receipt.normalise import normalise_text

ParseRows = Callable[..., ReceiptParse]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("я 5 ИП Сафронова Е.В. {", "ru", "ИП Сафронова Е.В."),
        ('2—3 000 "ЛАДА-ТОРГ"', "ru", 'ООО "ЛАДА-ТОРГ"'),
        ("ее Магазин “Копейка-Плюс”", "ru", 'Магазин "Копейка-Плюс"'),
        ("к 1. Молоко 3.2% 1л", "ru", "1. Молоко 3.2% 1л"),
        ("а 3х 129.90 =389.70 р", "ru", "3х 129.90 =389.70"),
        ("х 129.90 =389.70", "ru", "х 129.90 =389.70"),  # the multiplication sign stays
        ("г. Самара", "ru", "г. Самара"),
        ("COK ЯБЛОЧНЫЙ 1Л", "ru", "СОК ЯБЛОЧНЫЙ 1Л"),
        ("ЙОГУРТ ПИТЬЕВОЙ 270r", "ru", "ЙОГУРТ ПИТЬЕВОЙ 270г"),
        ("VISA www.nalog.gov.ru", "ru", "VISA www.nalog.gov.ru"),
        ("SOK POMARAÑCZOWY 1L", "pl", "SOK POMARAŃCZOWY 1L"),
        ("| Herbata czarna 100 t", "pl", "Herbata czarna 100 t"),  # a Latin letter is kept
        ("*** WELCOME ***", "en", "WELCOME"),
        ("2 @ £1.25", "en", "2 @ £1.25"),
    ],
)
def test_normalise_text(text: str, language: str, expected: str) -> None:
    assert normalise_text(text, language) == expected


def test_a_noisy_russian_receipt_reads_like_a_clean_one(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "гу т ИП Сафронова Е.В. м",
            "$ КАССОВЫЙ ЧЕК",
            "№ Чек 172 кассир Смирнова о.",
            "я КАПУСТА БЕЛОКОЧ 1.038 кг х 29.90 =31.04 №",
            "ЛУК РЕПЧАТЫЙ 9.885 кгх 30.00 =26.55",  # the OCR's 9 for the weight's 0
            "3. Пиво светлое 0.45л",
            "1х 89.90 =89.90",
            "СКИДКА =-9.90",
            "СУММА С0 СКИДКОЙ *80.00",
            "4 НДС 20% =13.33",
            "ИТОГ =137.59",
        ]
    )
    assert found.merchant.name == "ИП Сафронова Е.В."
    assert found.currency == "RUB"
    assert [(i.name, i.quantity, i.total, i.discount) for i in found.items] == [
        ("КАПУСТА БЕЛОКОЧ", 1.038, "31.04", None),
        ("ЛУК РЕПЧАТЫЙ", 0.885, "26.55", None),
        ("Пиво светлое 0.45л", 1, "89.90", "9.90"),
    ]
    assert found.reconciliation.status == "consistent"


def test_rapidocr_russian_subtotal_without_its_keyword_ends_the_items(
    parse_rows: ParseRows,
) -> None:
    """RapidOCR drops the Cyrillic ПОДИТОГ and ИТОГ; the amount that adds up the items is the
    subtotal all the same, not one more item."""
    found = parse_rows(
        [
            "AO E",
            "23.01.2026 08:13",
            "1 × 209.90 =209.90",
            "0.885 kr x 30.00 =26.55",
            "SAHAHbI BECOBbIE | 1.990 kr × 119.90 =238.60",
            "=475.05",
            "NTOR | =475.05",
            "=475.05",
            "nalog.gov.ru",
        ]
    )
    assert [i.total for i in found.items] == ["209.90", "26.55", "238.60"]
    assert found.total == "475.05"
    assert found.reconciliation.status == "consistent"


def test_tesseract_misreadings_of_signs_and_prices(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            'Универсам "Ромашка"',
            "КАССОВЫЙ ЧЕК",
            "6. Гречка ядрица 900г",
            "1х 99.90 -99.90",  # "=" read as "-": the line's amount, no discount
            "КЕФИР 1% 1х 79.90 =79. 90",  # a space inside the amount
            "1. Сметана 20% 300г",
            "1х 1909.90",  # the amount lost, the price misread: the total tells
            "ИТОГ =289.70",
        ]
    )
    assert [(i.name, i.total, i.discount) for i in found.items] == [
        ("Гречка ядрица 900г", "99.90", None),
        ("КЕФИР 1%", "79.90", None),
        ("Сметана 20% 300г", "109.90", None),
    ]
    assert found.reconciliation.status == "needs_review"
