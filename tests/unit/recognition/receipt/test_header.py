"""Header fields: store name, address, tax number, date and time (numbers and month names in
English, Polish and Russian), language and currency."""

# Cyrillic text is meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.recognition.receipt import parse_text
from foodscan.recognition.receipt.model import ReceiptParse

ParseRows = Callable[..., ReceiptParse]


def test_polish_header(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            "GROSZEK DYSKONT",
            "GROSZEK DYSKONT S.A.",
            "ul. Długa 10",
            "20-389 Lublin",
            "NIP 590-249-19-15",
            "2026-04-26 | nr wydr.883023",
            "PARAGON FISKALNY",
            "OLEJ RZEPAKOWY 1L | 1 ×8,19 8,19C",
            "SUMA PLN | 8,19",
        ]
    )
    assert found.merchant.name == "GROSZEK DYSKONT"
    assert found.merchant.address == "ul. Długa 10 20-389 Lublin"
    assert found.merchant.tax_id == "590-249-19-15"
    assert (found.language, found.currency, found.date) == ("pl", "PLN", "2026-04-26")


def test_brand_over_its_legal_name_is_the_trading_name(parse_rows: ParseRows) -> None:
    found = parse_rows(["POLNA", "MARKET POLNA Sp. z o.o.", "ul. Ogrodowa 130", "CHLEB 4,19"])
    assert found.merchant.name == "MARKET POLNA"


@pytest.mark.parametrize(
    ("header", "name"),
    [
        # The legal name wraps over two rows; the address follows it.
        (["POPULAR BOOK", "CO. (M) SDN BHD", "(Co. No. 113825-W)"], "POPULAR BOOK CO. (M) SDN BHD"),
        # A logo repeating the company is not part of its name.
        (["ELKEN", "ISERVICE", "ELKEN SERVICE SDN BHD (310184-X)"], "ELKEN SERVICE SDN BHD"),
        # A till counter before the name, the registration number under it.
        (["31803044", "#000002 BAIFU (M) Sdn Bhd", "COMPANY NO(814198-X)"], "BAIFU (M) Sdn Bhd"),
        # A mixed-case note over the company is not a wrapped part of it.
        (["Toilet Roll & coffee", "TF Value-Mart Sdn Bhd (482123-U)"], "TF Value-Mart Sdn Bhd"),
        (
            ["AIK HUAT_HARDWARE", "ENTERPRISE (SETIA", "ALAM)SDN", "BHD", "822737-X"],
            "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD",
        ),
        # A company named further down, after the till's contacts, is the owner, not the shop.
        (
            ["SANYU STATIONERY SHOP", "Tel: +603-3362 4137", "SANYU SUPPLY SDN BHD"],
            "SANYU STATIONERY SHOP",
        ),
        # The branch row extends the brand.
        (
            ["DOMINO'S PIZZA", "GST REF NO : 001694261248", "DOMINO'S PIZZA TAMAN UNIVERSITI"],
            "DOMINO'S PIZZA TAMAN UNIVERSITI",
        ),
        (["BILLION SIX ENTERPRISE  P)"], "BILLION SIX ENTERPRISE"),
    ],
)
def test_english_receipts_name_the_issuing_company(
    parse_rows: ParseRows, header: list[str], name: str
) -> None:
    rows = [*header, "No 8, Jalan 7/118B, Desa Tun Razak", "12/01/18 16:52", "TOTAL | 9.90"]
    found = parse_rows(rows, lang="en")
    assert found.merchant.name == name
    assert found.merchant.address == "No 8, Jalan 7/118B, Desa Tun Razak"


def test_russian_header_keeps_the_shop_name_over_the_operator(parse_rows: ParseRows) -> None:
    found = parse_rows(
        [
            'Магазин "Копейка-Плюс"',
            'ООО "Продторг"',
            "г. Тверь, ул. Ленина, д. 93",
            "ИНН 9127667200",
            "КАССОВЫЙ ЧЕК",
            "22.02.2025 07:11 | Смена 159",
        ]
    )
    assert found.merchant.name == 'Магазин "Копейка-Плюс"'
    assert found.merchant.address == "г. Тверь, ул. Ленина, д. 93"
    assert found.merchant.tax_id == "9127667200"
    assert (found.language, found.currency) == ("ru", "RUB")
    assert (found.date, found.time) == ("2025-02-22", "07:11")


def test_russian_lookalikes_from_the_ocr_are_read_as_cyrillic(parse_rows: ParseRows) -> None:
    found = parse_rows(['000 "ЛАДА-ТОРГ"', "КАССОВЫЙ ЧЕК", "COK ЯБЛОЧНЫЙ 1Л | 1 × 99.90 =99.90"])
    assert found.merchant.name == 'ООО "ЛАДА-ТОРГ"'
    assert [item.name for item in found.items] == ["СОК ЯБЛОЧНЫЙ 1Л"]


@pytest.mark.parametrize(
    ("row", "date"),
    [
        ("12 января 2025 г. 14:05", "2025-01-12"),
        ("1 мая 2024", "2024-05-01"),
        ("05 сент. 2023", "2023-09-05"),
        ("3 stycznia 2025", "2025-01-03"),
        ("15 października 2024", "2024-10-15"),
        ("15 pazdziernika 2024", "2024-10-15"),
        ("Jan 5, 2024", "2024-01-05"),
        ("29 MAR 2018", "2018-03-29"),
        ("12-JAN-25", "2025-01-12"),
        ("17.07.24 16:38", "2024-07-17"),
        ("Date | :19-03-201818:08:38", "2018-03-19"),  # the OCR glued the time to the year
        ("2 MARKET 25", None),  # no month in MARKET
        ("Invoice No: SP-nu11-18/06/04-1016956", None),  # a code that embeds a date
        ("Date-18/06/04 12:00", "2004-06-18"),  # joined on one side only: still a date
        ("31.02.2026", None),
    ],
)
def test_dates(row: str, date: str | None) -> None:
    assert parse_text([row]).date == date


@pytest.mark.parametrize(
    ("rows", "time"),
    [
        (["12 января 2025 г. 14:05"], "14:05"),
        (["Date | :19-03-201818:08:38"], "18:08"),
        (["10/08/2024 | 01:00 PM"], "13:00"),
        (["OPEN 08:00-22:00", "21.01.2026 14:32"], "14:32"),
    ],
)
def test_times(rows: list[str], time: str) -> None:
    assert parse_text(rows).time == time


def test_a_day_with_a_misread_leading_zero_is_repaired_only_as_a_last_resort() -> None:
    found = parse_text(["КАССОВЫЙ ЧЕК", "95.05.26 20:47 Смена 398"])
    assert (found.date, found.time) == ("2026-05-05", "20:47")
    assert found.confidence["date"] < 0.6
    assert parse_text(["95.05.26", "21.01.2026"]).date == "2026-01-21"


def test_the_purchase_date_is_not_taken_from_an_invoice_number_that_embeds_one() -> None:
    found = parse_text(["Invoice No: SP-nu11-18/06/04-1016956", ":04/06/2018 18:17:54"])
    assert (found.date, found.time) == ("2018-06-04", "18:17")


def test_us_dates_are_month_first() -> None:
    found = parse_text(["PRAIRIE MART", "PHOENIX, AZ 85004", "07/01/2026 02:45 PM"])
    assert (found.currency, found.date) == ("USD", "2026-07-01")


@pytest.mark.parametrize(
    ("rows", "language", "currency"),
    [
        (["PARAGON FISKALNY", "SUMA PLN 4,00"], "pl", "PLN"),
        (["КАССОВЫЙ ЧЕК", "ИТОГ =4.00"], "ru", "RUB"),
        (["TOTAL £4.00"], "en", "GBP"),
        (["SUBTOTAL 4.00", "TOTAL $4.00"], "en", "USD"),
        (["Total: RM7.70"], "en", "MYR"),
        (["12345"], None, None),
    ],
)
def test_language_and_currency(rows: list[str], language: str | None, currency: str | None) -> None:
    found = parse_text(rows)
    assert (found.language, found.currency) == (language, currency)


def test_language_hint_wins() -> None:
    assert parse_text(["TOTAL 4.00"], lang="pl").language == "pl"


@pytest.mark.parametrize(
    "after",
    [
        "TAXINVOICE",  # the title with its space lost by the OCR
        "Pay By: CASH",  # the till's labelled fields
    ],
)
def test_the_address_ends_at_the_tills_data(parse_rows: ParseRows, after: str) -> None:
    rows = ["UNIHAKKA INTERNATIONAL SDN BHD", "12, Jalan Tampoi 7/4,", "81200 Johor Bahru"]
    found = parse_rows([*rows, after, "09 Jun 2018 18:23", "TOTAL | 7.70"], lang="en")
    assert found.merchant.address == "12, Jalan Tampoi 7/4, 81200 Johor Bahru"
