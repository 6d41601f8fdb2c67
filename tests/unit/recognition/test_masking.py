"""Card numbers are masked down to their last four digits; other numbers are left alone."""

from __future__ import annotations

import pytest

from foodscan.recognition.receipt.masking import luhn_valid, mask_card_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VISA 4111 1111 1111 1111", "VISA **** **** **** 1111"),
        ("Karta: 5500-0000-0000-0004 zbliżeniowo", "Karta: ****-****-****-0004 zbliżeniowo"),
        ("card 4111111111111111.", "card ************1111."),
        ("AMEX 378282246310005", "AMEX ***********0005"),
    ],
)
def test_card_numbers_keep_only_their_last_four_digits(text: str, expected: str) -> None:
    assert mask_card_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ФН 9999078900004313",  # 16 digits that fail the Luhn check
        "UPC 012345678905 F",  # a 12-digit barcode
        "TOTAL 1234.56",
        "**** **** **** 1111",  # already masked
        "NIP 238-336-40-24",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_card_numbers(text) == text


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
