"""The first receipt parse: merchant, date, time, total and currency across en/pl/ru."""

# Cyrillic text and the multiplication sign are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from tests.unit.recognition.receipt.summary import ReceiptSummary, parse_receipt

UK = [
    "Greenfield Foods",
    "75 High Street",
    "Glasgow G1 3SL",
    "VAT No: GB 874 6302 04",
    "Sparkling Water 2L   £1.47",
    "Reduced             -£0.24",
    "SUBTOTAL (16 items) £25.50",
    "TOTAL               £25.50",
    "VISA                £25.50",
    "25/01/2026  21:07  ST:7547",
]
US = [
    "PRAIRIE MART",
    "6133 MAIN ST",
    "PHOENIX, AZ 85004",
    "(286) 378-6629",
    "BANANAS BUNCH 818638344789 2.50 F",
    "MEMBER SAVINGS 0.57-",
    "SUBTOTAL 67.88",
    "TAX 1 8.60 % 1.29",
    "TOTAL 69.17",
    "DEBIT TEND 69.17",
    "07/01/2026 02:45 PM",
]
PL = [
    "Market POLNA",
    "MARKET POLNA Sp. z o.o.",
    "ul. Kwiatowa 4",
    "90-754 Łódź",
    "NIP 778-144-22-93",
    "2025-12-12 nr wydr.883023",
    "PARAGON FISKALNY",
    "Herbata czarna 1 x11,19 11,19 A",
    "Obniżka -2,28 A",
    "PTU A 23,00% 21,06",
    "Suma PTU 24,85",
    "SUMA PLN 190,50",
    "Karta płatnicza 190,50",
    "#Kasa 8 Kasjer nr 20 07:45",
]
RU = [
    'ООО "ЛАДА-ТОРГ"',
    "г. Москва, ул. Ленина, д. 14",
    "ИНН 6773055394",
    "КАССОВЫЙ ЧЕК / ПРИХОД",
    "17.07.24 16:38 Смена 172",
    "ХЛЕБ БОРОДИНСКИЙ 1 × 49.99 =49.99",
    "МОЛОКО 3,2% 2 × 79.90 =159.80",
    "ПОДИТОГ =209.79",
    "СКИДКА =-10.01",
    "ИТОГ =199.78",
    "НАЛИЧНЫМИ =500.00",
    "СДАЧА =300.22",
    "СУММА НДС 10% =18.16",
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (UK, ReceiptSummary("Greenfield Foods", "2026-01-25", "21:07", "25.50", "GBP")),
        (US, ReceiptSummary("PRAIRIE MART", "2026-07-01", "14:45", "69.17", "USD")),
        (PL, ReceiptSummary("Market POLNA", "2025-12-12", "07:45", "190.50", "PLN")),
        (RU, ReceiptSummary('ООО "ЛАДА-ТОРГ"', "2024-07-17", "16:38", "199.78", "RUB")),
    ],
    ids=["en-gb", "en-us", "pl", "ru"],
)
def test_whole_receipts(lines: list[str], expected: ReceiptSummary) -> None:
    assert parse_receipt(lines) == expected


def test_to_dict_has_every_field() -> None:
    assert parse_receipt(UK).to_dict() == {
        "merchant": "Greenfield Foods",
        "date": "2026-01-25",
        "time": "21:07",
        "total": "25.50",
        "currency": "GBP",
    }


def test_nothing_found_is_all_none() -> None:
    assert parse_receipt([]) == ReceiptSummary(None, None, None, None, None)
    assert parse_receipt(["", "   ", "*****"]) == ReceiptSummary(None, None, None, None, None)


@pytest.mark.parametrize(
    ("lines", "total"),
    [
        (["SUBTOTAL 10.00", "TOTAL 10.80"], "10.80"),
        (["TOTAL 10.80", "SUBTOTAL 10.00"], "10.80"),
        (["PODSUMA 50,00", "SUMA 48,50"], "48.50"),
        (["ПОДИТОГ =300.00", "ИТОГО =290.00"], "290.00"),
        (["Suma PTU 4,11", "SUMA PLN 1 234,56"], "1234.56"),
        (["Kasjer nr 20  190,50", "Karta  190,50"], "190.50"),  # two spaces: two numbers
        (["Suma PTU 4,11", "SUMA PLN 1.234,56"], "1234.56"),
        (["Grand Total $1,234.50"], "1234.50"),
        (["TOTAL incl. VAT €12.00"], "12.00"),
        (["TOTAL VAT 2.00", "TOTAL 12.00"], "12.00"),
        (["Total:", "£25.50", "Cash £30.00"], "25.50"),
        (["SUMA PLN", "190,50"], "190.50"),
        (["К ОПЛАТЕ", "=1 410.42", "ИТОГ 1410.42"], "1410.42"),
        (["TOTAL 69.17", "AMOUNT DUE 60.00"], "60.00"),
        (["ИТОГ 1500,00 руб."], "1500.00"),
        (["Total 7,50 zł"], "7.50"),
    ],
)
def test_total(lines: list[str], total: str | None) -> None:
    assert parse_receipt(lines).total == total


def test_total_from_cash_arithmetic_when_the_keyword_is_unreadable() -> None:
    # OCR lost the Cyrillic "ИТОГ": total, cash given and change still add up.
    lines = ["1 × 79.90 =79.90", "NTOR =1410.42", "=2000.00", "=589.58"]
    assert parse_receipt(lines).total == "1410.42"


def test_total_from_the_largest_repeated_amount_as_a_last_resort() -> None:
    lines = ["MILK 3.49", "BREAD 2.10", "XXXXX 5.59", "CARD 5.59", "1 x 2.10"]
    assert parse_receipt(lines).total == "5.59"


@pytest.mark.parametrize(
    ("line", "currency", "date"),
    [
        ("2026-01-21", None, "2026-01-21"),
        ("21.01.2026", None, "2026-01-21"),
        ("21/01/2026", None, "2026-01-21"),
        ("01/21/2026", None, "2026-01-21"),  # only month-first can be valid
        ("03/04/2026 £", "GBP", "2026-04-03"),
        ("03/04/2026", None, "2026-04-03"),
        ("03/04/2026 $", "USD", "2026-03-04"),
        ("21-01-26", None, "2026-01-21"),
        ("Data: 05.11.24", None, "2024-11-05"),
        ("31.02.2026", None, None),
        ("NIP 590-249-19-15", "PLN", None),
        ("tel. 12.34.56", None, None),
    ],
)
def test_dates(line: str, currency: str | None, date: str | None) -> None:
    summary = parse_receipt([line])
    assert summary.date == date
    assert summary.currency == currency


@pytest.mark.parametrize(
    ("line", "time"),
    [
        ("14:32", "14:32"),
        ("2026-01-21 9:05", "09:05"),
        ("02:32 PM", "14:32"),
        ("12:10 am", "00:10"),
        ("12:10 P.M.", "12:10"),
        ("21.01.2026 23:59:59", "23:59"),
        ("ST:7547 0P:58", None),
        ("PRICE 14.32", None),
        ("25:61", None),
    ],
)
def test_times(line: str, time: str | None) -> None:
    assert parse_receipt([line]).time == time


def test_time_beside_the_date_wins_over_an_earlier_one() -> None:
    assert parse_receipt(["OPEN 08:00-22:00", "21.01.2026 14:32"]).time == "14:32"


@pytest.mark.parametrize(
    ("lines", "currency"),
    [
        (["TOTAL 12.00 EUR"], "EUR"),
        (["Razem 12,00 PLN", "NIP 123"], "PLN"),
        (["Итог 100 ₽"], "RUB"),
        (["ИТОГ 100.00 руб"], "RUB"),
        (["TOTAL $4.00"], "USD"),
        (["AMOUNT £4.00"], "GBP"),
        (["PARAGON FISKALNY", "SUMA 4,00"], "PLN"),
        (["ИНН 7701234567", "ИТОГ =4.00"], "RUB"),
        (["1 MAIN ST", "DENVER, CO 80202", "TOTAL 4.00"], "USD"),
        (["1 MAIN ST", "LEEDS LS1 4AB", "TOTAL 4.00"], "GBP"),
        (["TOTAL 4.00"], None),
        (["UNIT ZZ 12345", "TOTAL 4.00"], None),  # not a US state
    ],
)
def test_currency(lines: list[str], currency: str | None) -> None:
    assert parse_receipt(lines).currency == currency


@pytest.mark.parametrize(
    ("lines", "merchant"),
    [
        (["*** WELCOME ***", "  ACME  Foods  ", "TOTAL 1.00"], "ACME Foods"),
        (["123 Main Street", "Tel 555 1234", "Corner Shop", "MILK 1.00"], "Corner Shop"),
        (["NIP 123-456-78-90", "ul. Długa 10", "Sklep Ania"], "Sklep Ania"),
        (["ИНН 7701234567", "г. Москва", 'Магазин "Копейка"'], 'Магазин "Копейка"'),
        (["21.01.2026 14:32", "ZABKA"], "ZABKA"),
        (["7-ELEVEN", "TOTAL 1.00"], "7-ELEVEN"),
        (["MILK 1.00", "Shop After Prices"], None),
        (["..", "- , .", "12"], None),
    ],
)
def test_merchant(lines: list[str], merchant: str | None) -> None:
    assert parse_receipt(lines).merchant == merchant
