"""Letter-spaced capitals the OCR read without their spaces are split by the word model
(``wordsegment``), in the store's name only, and only into real words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.recognition.receipt.glued import split_glued
from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("SANYUSTATIONERYSHOP", "SANYU STATIONERY SHOP"),
        ("AEONCOMPANYMALAYSIA SDN BHD", "AEON COMPANY MALAYSIA SDN BHD"),
        ("QUICKMARTGROCERY", "QUICK MART GROCERY"),
        # Two words: as often a brand printed as one word as a glued name; kept as read.
        ("BRIGHTWELLS", "BRIGHTWELLS"),
        ("GARDENIABAKERIES", "GARDENIABAKERIES"),
        # One word, short runs, mixed case, punctuation: as read.
        ("SUPERMARKET", "SUPERMARKET"),
        ("STATIONERY SHOP", "STATIONERY SHOP"),
        ("Stationeryshop", "Stationeryshop"),
        ("MR.D.I.Y.", "MR.D.I.Y."),
        ("GUARDIAN2HEALTHCARE", "GUARDIAN2HEALTHCARE"),
        # No split into real words: the token stays rather than becoming stray letters.
        ("QZXWVKJHGFDS", "QZXWVKJHGFDS"),
    ],
)
def test_glued_capitals_are_split_into_words(text: str, split: str) -> None:
    assert split_glued(text) == split


def test_the_merchant_of_an_english_receipt_is_split(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "SANYUSTATIONERYSHOP",
            "NO. 31G&33G, JALAN SETIA INDAH X,U13/X",
            "40170 SETIA ALAM",
            "PENCILHOLDERSET | 1 x 12.50 | 12.50",
            "TOTAL | 12.50",
        ]
    )
    assert found.merchant.name == "SANYU STATIONERY SHOP"
    # Item names are not the word model's business.
    assert [item.name for item in found.items] == ["PENCILHOLDERSET"]


def test_a_polish_name_is_left_as_printed(parse_rows: ParseRows) -> None:
    found = parse_rows(["PIEKARNIAKOWALSKI", "ul. Lipowa 12", "PARAGON FISKALNY", "CHLEB | 4,99A"])
    assert found.merchant.name == "PIEKARNIAKOWALSKI"
