"""Russian cash receipts (кассовый чек, приход): the wording of each layout option and the key."""

# Cyrillic words are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from receipt_gen.extras import footer_extra, header_extra, item_code
from receipt_gen.layouts import Layout, seed_of
from receipt_gen.sheet import Line, Sheet, basket, fmt, tax_in, tendered, when
from receipt_gen.vocab import LEGAL_FORMS, NAMES, PEOPLE, STORE_TYPES, STREETS, TOWNS

_RATES = (Decimal(20), Decimal(10))


def _header(sheet: Sheet, layout: Layout, rng: random.Random) -> str:
    form = layout["header"]
    big, bold = layout["name_style"] == "big", layout["name_style"] == "bold"
    name, other = rng.sample(NAMES["ru"], 2)
    types, held_types = STORE_TYPES["ru"]
    legal = rng.choice(LEGAL_FORMS["ru"][1] if layout.split == "held" else ["ООО"])
    if form == "legal_quoted":
        first = f'ООО "{name}"'
    elif form == "ip_person":
        first = f"ИП {rng.choice(PEOPLE['ru'])}"
    elif form in ("type_quoted", "type_quoted_legal", "type_quoted_held"):
        kind = rng.choice(held_types if form == "type_quoted_held" else types)
        first = f'{kind} "{name}"'
    elif form == "type_guillemets":
        first = f"{rng.choice(types + held_types)} «{name}»"
    elif form == "legal_quoted_type":
        first = f"{rng.choice(held_types)} {name}"
    else:  # brand_legal
        first = name
    sheet.center(first, big=big and len(first) * 2 <= sheet.width, bold=bold)
    if form in ("type_quoted_legal", "brand_legal") or (
        form == "type_quoted_held" and rng.random() < 0.5
    ):
        sheet.center(f'{legal} "{other}"')
    sheet.center(f"{rng.choice(TOWNS['ru'])}, {rng.choice(STREETS['ru'])}")
    sheet.center(f"ИНН {rng.randrange(10**9, 10**10)}")
    return first


def _item(sheet: Sheet, layout: Layout, line: Line, index: int, extra: random.Random) -> None:
    p, t = fmt(line.price), fmt(line.total)
    q = str(line.quantity) if line.unit == "pcs" else f"{line.quantity:.3f}"
    unit = {"pcs": "", "kg": " кг", "l": " л"}[line.unit]
    shape = layout["item"]
    if shape == "one_line_sht":
        right = f"{q} {unit.strip() or 'шт'} x {p} ={t}"
        if sheet.fits(line.name, right):
            sheet.pair(line.name, right)
        else:
            sheet.left(line.name)
            sheet.pair("", right)
        item_code(sheet, "ru", layout["item_code"], extra)
    elif shape == "two_line_star":
        sheet.left(line.name)
        item_code(sheet, "ru", layout["item_code"], extra)
        sheet.pair(f"{p} * {q}{unit}", f"={t}")
    else:
        numbered = shape == "numbered_two_line"
        sheet.left(f"{index}. {line.name}" if numbered else line.name)
        item_code(sheet, "ru", layout["item_code"], extra)
        sheet.pair(f"{q}{unit} x {p}", f"={t}")
    if line.discount is not None:
        sheet.pair(layout["discount"], f"-{fmt(line.discount)}")
    if layout["item_tax"] != "none":
        label = "НДС" if layout["item_tax"] == "nds_line" else "в т.ч. НДС"
        sheet.pair(
            f"{label} {line.tax_class}%", f"={fmt(tax_in(line.net, Decimal(line.tax_class)))}"
        )


def _tax_rows(sheet: Sheet, layout: Layout, gross: dict[Decimal, Decimal]) -> list[dict[str, str]]:
    out = []
    for rate, amount in gross.items():
        tax = tax_in(amount, rate)
        label = {
            "СУММА НДС": f"СУММА НДС {rate}%",
            "НДС": f"НДС {rate}%",
            "В Т.Ч. НДС": f"В Т.Ч. НДС {rate}%",
            "НДС_fraction": f"НДС {rate}/{100 + rate}",
            "СУММА НДС ПО СТАВКЕ": f"СУММА НДС ПО СТАВКЕ {rate}%",
        }[layout["tax"]]
        sheet.pair(label, f"={fmt(tax)}")
        out.append({"rate": f"{rate}%", "amount": f"{tax:.2f}"})
    return out


def _date(rng: random.Random, stamp: tuple[int, int, int, int, int]) -> str:
    year, month, day, hour, minute = stamp
    short = rng.random() < 0.6
    return f"{day:02d}.{month:02d}.{year % 100 if short else year:02d} {hour:02d}:{minute:02d}"


def compose(layout: Layout, receipt_id: str) -> tuple[Sheet, dict[str, Any]]:
    """One Russian receipt of ``layout``: its sheet and its answer key."""
    rng = random.Random(seed_of(receipt_id))  # noqa: S311 - repeatable, not a secret
    sheet = Sheet(layout.width)
    extra = random.Random(seed_of(f"{receipt_id}/extras"))  # noqa: S311 - repeatable
    merchant = _header(sheet, layout, rng)
    header_extra(sheet, "ru", layout["extras"])
    stamp = when(rng)
    sheet.center("КАССОВЫЙ ЧЕК", bold=True)
    sheet.center("ПРИХОД")
    if layout["date_pos"] == "header":
        sheet.pair(_date(rng, stamp), f"ЧЕК № {rng.randint(1, 400)}")
    lines = basket(rng, "ru", discounts=True, max_name=min(layout.width - 4, 22))
    sheet.section = "items"
    for index, line in enumerate(lines, start=1):
        line.tax_class = rng.choice(("20", "10", "10"))
        _item(sheet, layout, line, index, extra)
    sheet.section = "footer"
    sheet.rule("=")
    total = sum((line.net for line in lines), Decimal(0))
    if layout["subtotal"] != "none":
        sheet.pair(layout["subtotal"], f"={fmt(total)}")
    sheet.pair(layout["total"], f"={fmt(total)}", big=rng.random() < 0.5, role="total")
    cash = layout["payment"] in ("НАЛИЧНЫМИ", "ПОЛУЧЕНО")
    if cash:
        given = tendered(rng, total)
        sheet.pair(layout["payment"], f"={fmt(given)}")
        sheet.pair("СДАЧА", f"={fmt(given - total)}")
    else:
        sheet.pair(layout["payment"], f"={fmt(total)}")
    gross: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        gross[Decimal(line.tax_class)] += line.net
    tax = _tax_rows(sheet, layout, dict(sorted(gross.items(), reverse=True)))
    savings = sum((line.discount or Decimal(0) for line in lines), Decimal(0))
    footer_extra(sheet, "ru", layout["extras"], extra, savings)
    sheet.pair("КАССИР", rng.choice(("Иванова О.", "Петров С.", "Смирнова А.")))
    if layout["date_pos"] == "footer":
        sheet.pair(_date(rng, stamp), f"СМЕНА {rng.randint(1, 300)}")
    sheet.left(f"ФН {rng.randrange(10**15, 10**16)}")
    sheet.pair(f"ФД {rng.randint(1000, 99999)}", f"ФП {rng.randrange(10**9, 10**10)}")
    sheet.center("Сайт ФНС: nalog.gov.ru")
    year, month, day, hour, minute = stamp
    key = {
        "locale": "ru",
        "merchant": merchant,
        "date": f"{year}-{month:02d}-{day:02d}",
        "time": f"{hour:02d}:{minute:02d}",
        "currency": "RUB",
        "items": [line.key() for line in lines],
        "subtotal": f"{total:.2f}" if layout["subtotal"] != "none" else None,
        "tax": tax,
        "total": f"{total:.2f}",
        "payment": "cash" if cash else "card",
    }
    return sheet, key
