"""Rows a layout may add that carry no purchase: opening hours in the header, loyalty points,
savings and bonus lines in the footer, product codes under item names.

Drawn with their own random stream, so a layout without extras prints exactly what it printed
before they existed.
"""

# Cyrillic words are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import random
from decimal import Decimal

from receipt_gen.sheet import Sheet, fmt

EXTRA_SLOTS = {
    "extras": (["none", "points"], ["savings", "bonus", "hours"]),
    "item_code": (["none"], ["code"]),
}
_HOURS = {
    "pl": "Czynne pn-sb 6:00-22:00",
    "ru": "Режим работы 08:00-22:00",
    "uk": "OPEN 7AM - 10PM DAILY",
    "us": "OPEN 24 HOURS",
    "my": "OPEN DAILY 8AM - 10PM",
}
_POINTS = {
    "pl": "Punkty lojalnościowe:",
    "ru": "Баллы:",
    "uk": "CLUBCARD POINTS",
    "us": "REWARDS POINTS",
    "my": "MEMBER POINTS",
}
_SAVINGS = {
    "pl": "Oszczędzasz",
    "ru": "ВАША ЭКОНОМИЯ",
    "uk": "TOTAL SAVINGS",
    "us": "YOU SAVED",
    "my": "YOUR SAVINGS TODAY",
}
_BONUS = {
    "pl": "Bon na kolejne zakupy",
    "ru": "НАЧИСЛЕНО БОНУСОВ",
    "uk": "VOUCHER EARNED",
    "us": "CASH BACK REWARD",
    "my": "VOUCHER EARNED",
}
_CODE = {"ru": "КОД ТОВАРА", "us": "ITEM #"}


def header_extra(sheet: Sheet, locale: str, option: str) -> None:
    """Opening hours under the address, where the layout prints them."""
    if option == "hours":
        sheet.center(_HOURS[locale])


def footer_extra(
    sheet: Sheet, locale: str, option: str, rng: random.Random, savings: Decimal
) -> None:
    """A loyalty, savings or bonus row after the payment, where the layout prints one."""
    comma = locale == "pl"
    if option == "points":
        sheet.pair(_POINTS[locale], str(rng.randint(1, 400)))
    elif option == "savings" and savings > 0:
        sheet.pair(_SAVINGS[locale], fmt(savings, comma))
    elif option == "bonus":
        sheet.pair(_BONUS[locale], fmt(Decimal(rng.choice((5, 10, 15, 20))), comma))


def item_code(sheet: Sheet, locale: str, option: str, rng: random.Random) -> None:
    """A product code row under an item's name, where the layout prints one."""
    if option == "code" and locale in _CODE:
        sheet.left(f"{_CODE[locale]} {rng.randrange(10**12, 10**13)}")
