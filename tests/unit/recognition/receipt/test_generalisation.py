"""Failure classes of layouts the parser was not tuned on, on receipts from the benchmark's
generator (``bench/receipt_gen``; rows copied from its output, shortened where the rest does
not matter): noise before the store name, unfamiliar store-type words and legal forms around
it, tax summaries in unfamiliar words, and reconciliation that stays honest."""

# Cyrillic text is meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]

_POLISH_ITEMS = [
    "PARAGON FISKALNY",
    "MASŁO EXTRA 200G | 3 x6,39 | 19,17A",
    "SZYNKA KONSERWOWA",
    "1,244 x39,90 | 49,64C",
    "Zniżka | -12,41 C",
    "MAKARON PENNE 500G | 1 x4,29 | 4,29A",
    "Zniżka | -0,64 A",
    "OLEJ RZEPAKOWY 1L | 6 x9,89 | 59,34B",
    "Zniżka | -11,87 B",
    "OGÓRKI KISZONE | 1 x7,29 | 7,29C",
    "JABŁKA GALA | 2,240 x4,49 | 10,06A",
    "BANANY | 1,714 x5,39 | 9,24A",
]


@pytest.mark.parametrize(
    ("header", "merchant"),
    [
        # A stray mark left of the name (a logo's dot, read as a digit) is not part of it.
        (["1 | KORAL", "ul. Lipowa 12", "NIP 518-078-93-15"], "KORAL"),
        (['1 Sklep spożywczy "U Basi"', "ul. Leśna 3"], 'Sklep spożywczy "U Basi"'),
        # A legal form the parser has no word for, under the brand, is not a branch name.
        (["MAZUREK", "MAZUREK Sp. k.", "pl. Wolności 2", "90-001 Łódź"], "MAZUREK"),
        # Whatever store-type words stand before the quoted name belong to the name.
        (['Пекарня "БЕРЕЗКА"', 'АО "ЗОЛОТОЙ КОЛОС"', "ИНН 1878326620"], 'Пекарня "БЕРЕЗКА"'),
        (['Фермерская лавка "ВОЛНА"', "г. Тверь, ул. Гагарина 3"], 'Фермерская лавка "ВОЛНА"'),
        (['P.H.U. "Promyk"', "Anna Nowak", "ul. Długa 5/7"], 'P.H.U. "Promyk"'),
    ],
)
def test_merchant_is_the_name_as_printed(
    parse_rows: ParseRows, header: list[str], merchant: str
) -> None:
    found = parse_rows([*header, "PARAGON FISKALNY", "CHLEB ŻYTNI 500G | 1 x4,99 | 4,99A"])
    assert found.merchant.name == merchant


def test_tax_summary_in_unfamiliar_words_is_not_items(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "SMAKOSZ",
            *_POLISH_ITEMS,
            "Wartość sprzedaży A | 42,12",
            "Wartość sprzedaży B | 47,47",
            "Wartość sprzedaży C | 44,52",
            "Kwota PTU A 23% | 7,88",
            "Kwota PTU B 8% | 3,52",
            "Kwota PTU C 5% | 2,12",
            "Łączna kwota PTU | 13,52",
            "Należność | 134,11",
            "BLIK | 134,11",
        ]
    )
    assert len(found.items) == 7
    assert found.total == "134.11"
    assert found.reconciliation.status == "consistent"


def test_items_that_do_not_add_up_are_never_made_consistent(parse_rows: ParseRows) -> None:
    """The same receipt with one item's row lost: the summary rows still are not items, and
    nothing is dropped to make the rest agree."""
    rows = [row for row in _POLISH_ITEMS if not row.startswith("BANANY")]
    found = parse_rows(
        [
            "SMAKOSZ",
            *rows,
            "Wartość sprzedaży A | 42,12",
            "Wartość sprzedaży B | 47,47",
            "Wartość sprzedaży C | 44,52",
            "Należność | 134,11",
        ]
    )
    assert found.reconciliation.status != "consistent"
    assert found.total == "134.11"


_RUSSIAN_ITEMS = [
    'ООО "РОМАШКА"',
    "ИНН 4810447257",
    "КАССОВЫЙ ЧЕК",
    "ПРИХОД",
    "КЕФИР 1% 900Г",
    "2 x 79.90 | =159.80",
    "ХЛЕБ БОРОДИНСКИЙ",
    "1 x 49.99 | =49.99",
    "ПАКЕТ-МАЙКА",
    "1 x 10.00 | =10.00",
]


@pytest.mark.parametrize(
    "footer",
    [
        # The total row lost (a blurred photo), cash paid in words the parser does not know.
        ["ВНЕСЕНО | =300.00", "СДАЧА | =80.21", "НДС 10/110 | =19.98", "КАССИР | Петров С."],
        ["ВНЕСЕНО | =300.00", "СДАЧА | =80.21", "НАЧИСЛЕНО БОНУСОВ | =10.00"],
        # Paid by card, a savings line under it.
        ["ОПЛАТА КАРТОЙ | =219.79", "ВАША ЭКОНОМИЯ | =12.00"],
    ],
)
def test_payment_rows_referee_a_lost_total_row(parse_rows: ParseRows, footer: list[str]) -> None:
    found = parse_rows([*_RUSSIAN_ITEMS, *footer])
    assert [item.total for item in found.items] == ["159.80", "49.99", "10.00"]
    assert found.total == "219.79"
    assert found.reconciliation.status == "consistent"


def test_a_misread_total_row_loses_to_items_and_payment(parse_rows: ParseRows) -> None:
    found = parse_rows([*_RUSSIAN_ITEMS, "ИТОГ | =279.79", "БЕЗНАЛИЧНЫМИ | =219.79"])
    assert found.total == "219.79"


def test_an_item_amount_is_never_the_total(parse_rows: ParseRows) -> None:
    """No total row, no payment: the amount printed twice is an item's, not the total."""
    found = parse_rows(
        [
            "HILLTOP MART",
            "1200 MAIN ST",
            "COLA 12PK | 5.49 T",
            "POTATO CHIPS | 4.29 F",
            "COLA 12PK | 5.49 T",
            "THANK YOU FOR SHOPPING",
        ]
    )
    assert found.total != "5.49"
    assert found.reconciliation.status != "consistent"


def test_a_product_code_row_keeps_the_name_above_it(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            *_RUSSIAN_ITEMS[:4],
            "КЕФИР 1% 900Г",
            "КОД ТОВАРА 4607001234567",
            "2 x 79.90 | =159.80",
            "ИТОГ | =159.80",
        ]
    )
    assert [item.name for item in found.items] == ["КЕФИР 1% 900Г"]


def test_a_cyrillic_letter_read_for_the_count(parse_rows: ParseRows) -> None:
    found = parse_rows([*_RUSSIAN_ITEMS[:4], "ПАКЕТ-МАЙКА", "бх 11.00 | =66.00", "ИТОГ | =66.00"])
    assert (found.items[0].quantity, found.items[0].total) == (6, "66.00")


def test_an_item_name_is_not_the_merchant_when_the_header_was_lost(
    parse_rows: ParseRows,
) -> None:
    found = parse_rows(
        [
            "г. Самара, ул. Лесная, д. 9, стр. 1",
            "ИНН 5395226414",
            "КАССОВЫЙ ЧЕК",
            "18.05.25 09:38 | ЧЕК № 145",
            "1. МАСЛО ПОДСОЛН. 1Л",
            "1 x 125.91 | =125.91",
            "ИТОГ | =125.91",
        ]
    )
    assert found.merchant.name is None
    assert [item.name for item in found.items] == ["МАСЛО ПОДСОЛН. 1Л"]


@pytest.mark.parametrize(
    ("header", "merchant"),
    [
        # Two noise marks before the name; a quote the OCR read twice.
        (['3 * Универсам "СОСЕДИ"', 'ООО "ЯНТАРЬ"'], 'Универсам "СОСЕДИ"'),
        (['Минимаркет ""ЛАДА-ТОРГ"', "ИНН 1574331060"], 'Минимаркет "ЛАДА-ТОРГ"'),
    ],
)
def test_ocr_noise_around_the_name_is_dropped(
    parse_rows: ParseRows, header: list[str], merchant: str
) -> None:
    found = parse_rows([*header, "КАССОВЫЙ ЧЕК", "КЕФИР 1% 900Г", "2 x 79.90 | =159.80"])
    assert found.merchant.name == merchant


def test_a_garbled_per_item_tax_row_is_not_an_item(parse_rows: ParseRows) -> None:
    """ "НДС 10%" read as "НДС 190%": its amount is still 10/110 of the item above."""
    found = parse_rows(
        [
            *_RUSSIAN_ITEMS[:4],
            "МАЙОНЕЗ 67% 400МЛ",
            "2 x 94.38 | =188.76",
            "НДС 190% | =17.16",
            "ИТОГ | =188.76",
        ]
    )
    assert [item.total for item in found.items] == ["188.76"]
    assert found.reconciliation.status == "consistent"


def test_a_pound_sign_read_as_f_still_marks_the_discount(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "GREENWAY LTD",
            "FREE RANGE EGGS 6PK | £7.56",
            "4 @ £1.89",
            "SAVING | -f1.51",
            "TOTAL | £6.05",
        ]
    )
    assert found.items[0].discount == "1.51"
    assert found.reconciliation.status == "consistent"


@pytest.mark.parametrize(
    ("printed", "merchant"),
    [
        ('Супермаркет "РОМАШКА" 3', 'Супермаркет "РОМАШКА"'),  # noise after the closing quote
        ('\'МАГАЗИН "ЛЕСНОЙ"', 'МАГАЗИН "ЛЕСНОЙ"'),  # a mark glued to the first letter
        ("SHOP 24", "SHOP 24"),  # a number that is part of an unquoted name stays
    ],
)
def test_noise_glued_to_the_name_is_dropped(
    parse_rows: ParseRows, printed: str, merchant: str
) -> None:
    found = parse_rows([printed, "КАССОВЫЙ ЧЕК", "КЕФИР 1% 900Г", "1 x 79.90 | =79.90"])
    assert found.merchant.name == merchant
