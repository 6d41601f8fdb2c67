"""Layouts the development set does not have: other words, orders and formats for the same
fields. Written to keep the parser general, not tuned to the set's templates."""

# Cyrillic text is meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

import pytest

from foodscan.recognition.receipt import parse_text

LAYOUTS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "pl-shop": (
        [
            "Sklep Spożywczy U Basi",
            "ul. Leśna 5, 00-950 Warszawa",
            "NIP 123-456-32-18",
            "PARAGON FISKALNY",
            "12.03.2025  10:15",
            "Chleb wiejski  2 szt. x 3,49  6,98 A",
            "Masło extra   1 x 7,99  7,99 A",
            "Rabat -1,00",
            "Ziemniaki  2,350 kg x 2,49  5,85 C",
            "SPRZEDAŻ OPODATKOWANA A  14,97",
            "PTU A 23%  2,80",
            "RAZEM PLN  19,82",
            "Płatność: Karta  19,82",
        ],
        {"merchant": "Sklep Spożywczy U Basi", "date": "2025-03-12", "total": "19.82",
         "items": [("Chleb wiejski", "6.98"), ("Masło extra", "7.99"), ("Ziemniaki", "5.85")]},
    ),
    "uk-corner": (
        [
            "The Corner Shop",
            "12 Mill Lane, York YO1 7HH",
            "Bread £1.20",
            "Milk 2 x £0.95  £1.90",
            "Apples 1.250kg @ £2.00/kg  £2.50",
            "Total to pay  £5.60",
            "Card payment  £5.60",
            "14 Mar 2025 18:02",
        ],
        {"merchant": "The Corner Shop", "date": "2025-03-14", "total": "5.60",
         "items": [("Bread", "1.20"), ("Milk", "1.90"), ("Apples", "2.50")]},
    ),
    "ru-shop": (
        [
            'ООО "Продукты у дома"',
            "ИНН 7701234567",
            "Кассовый чек",
            "05 марта 2025 г. 09:41",
            "Хлеб белый  2 шт x 45.00 = 90.00",
            "Молоко 1л  1 x 89.90 = 89.90",
            "Скидка  -9.90",
            "ИТОГО К ОПЛАТЕ  =170.00",
            "Оплата картой  =170.00",
        ],
        {"merchant": 'ООО "Продукты у дома"', "date": "2025-03-05", "total": "170.00",
         "items": [("Хлеб белый", "90.00"), ("Молоко 1л", "89.90")]},
    ),
    "us-gas-station": (
        [
            "KWIK STOP #42",
            "100 ELM ST",
            "AUSTIN, TX 78701",
            "SODA 20OZ  1.99",
            "2 @ 0.50",
            "BANANA  1.00",
            "SUBTOTAL  2.99",
            "SALES TAX 8.25%  0.25",
            "BALANCE DUE  3.24",
            "VISA XXXX1111  3.24",
            "03/15/2025 6:05 PM",
        ],
        {"merchant": "KWIK STOP #42", "date": "2025-03-15", "total": "3.24",
         "items": [("SODA 20OZ", "1.99"), ("BANANA", "1.00")]},
    ),
}  # fmt: skip


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_unseen_layouts_read_and_reconcile(layout: str) -> None:
    rows, expected = LAYOUTS[layout]
    found = parse_text(rows)
    assert found.merchant.name == expected["merchant"]
    assert (found.date, found.total) == (expected["date"], expected["total"])
    assert [(i.name, i.total) for i in found.items] == expected["items"]
    assert found.payment.method == "card"
    assert found.reconciliation.status == "consistent"
