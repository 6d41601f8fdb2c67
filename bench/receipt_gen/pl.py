"""Polish fiscal receipts (paragon fiskalny): the wording of each layout option and the key."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from receipt_gen.extras import footer_extra, header_extra
from receipt_gen.layouts import Layout, seed_of
from receipt_gen.sheet import Line, Sheet, basket, cents, fmt, tax_in, tendered, when
from receipt_gen.vocab import LEGAL_FORMS, NAMES, PEOPLE, STORE_TYPES, STREETS, TOWNS

_RATES = {"A": Decimal(23), "B": Decimal(8), "C": Decimal(5)}


def _case(rng: random.Random, name: str) -> str:
    return name if rng.random() < 0.6 else name.title()


def _header(sheet: Sheet, layout: Layout, rng: random.Random) -> str:
    form, big = layout["header"], layout["name_style"] == "big"
    bold = layout["name_style"] == "bold"
    name, other = rng.sample(NAMES["pl"], 2)
    types, held_types = STORE_TYPES["pl"]
    legal = rng.choice(LEGAL_FORMS["pl"][0] + LEGAL_FORMS["pl"][1] * (layout.split == "held"))
    if form == "brand_legal":
        first = name
        sheet.center(first, big=big, bold=bold)
        sheet.center(f"{rng.choice((name, other))} {legal}")
    elif form in ("type_quoted", "type_quoted_legal"):
        kind = rng.choice(held_types if form == "type_quoted_legal" else types)
        first = f'{kind} "{_case(rng, name)}"'
        sheet.center(first, big=big and len(first) * 2 <= sheet.width, bold=bold)
        if form == "type_quoted_legal":
            sheet.center(f"{other} {legal}")
    elif form == "type_plain":
        first = f"{rng.choice(types)} {_case(rng, name)}"
        sheet.center(first, big=big and len(first) * 2 <= sheet.width, bold=bold)
    elif form == "legal_quoted":
        first = f'"{name}" {legal}'
        sheet.center(first, bold=bold)
    elif form == "person_quoted":
        first = f'P.H.U. "{_case(rng, name)}"'
        sheet.center(first, bold=bold)
        sheet.center(rng.choice(PEOPLE["pl"]))
    else:
        first = name
        sheet.center(first, big=big, bold=bold)
    sheet.center(rng.choice(STREETS["pl"]))
    sheet.center(rng.choice(TOWNS["pl"]))
    digits = f"{rng.randrange(10**9, 10**10)}"
    sheet.center(f"NIP {digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:]}")
    return first


def _date_row(sheet: Sheet, rng: random.Random, stamp: tuple[int, int, int, int, int]) -> None:
    year, month, day, hour, minute = stamp
    printed = rng.choice((f"{year}-{month:02d}-{day:02d}", f"{day:02d}.{month:02d}.{year}"))
    if rng.random() < 0.5:
        sheet.pair(printed, f"{hour:02d}:{minute:02d}")
    else:
        sheet.left(f"{printed} {hour:02d}:{minute:02d}")
        sheet.pair("", f"nr wydr. {rng.randint(100, 9999)}")


def _quantity(line: Line) -> str:
    if line.unit == "pcs":
        return str(line.quantity)
    return f"{line.quantity:.3f}".replace(".", ",")


def _item(sheet: Sheet, layout: Layout, line: Line) -> None:
    q, p, t = _quantity(line), fmt(line.price, True), fmt(line.total, True)
    letter = "" if line.tax_class == "-" else line.tax_class
    shape = layout["item"]
    if shape == "one_line_szt":
        unit = "szt." if line.unit == "pcs" else "kg"
        right = f"{q} {unit} x {p}  {t} {letter}".rstrip()
    elif shape == "two_line_star":
        right = f"{q} * {p} = {t} {letter}".rstrip()
    else:
        right = f"{q} x{p}  {t}{letter}"
    if shape.startswith("one_line") and sheet.fits(line.name, right):
        sheet.pair(line.name, right)
    else:
        sheet.left(line.name)
        sheet.pair("", right)
    if line.discount is not None:
        sheet.pair(layout["discount"], f"-{fmt(line.discount, True)} {letter}".rstrip())


def _deposit(rng: random.Random, layout: Layout) -> Line | None:
    if layout["deposit"] == "none" or rng.random() < 0.4:
        return None
    count = Decimal(rng.randint(1, 6))
    name = "KAUCJA BUTELKA" if layout["deposit"] == "kaucja" else "OPAKOWANIE ZWROTNE"
    return Line(name, count, "pcs", Decimal("0.50"), cents(count * Decimal("0.50")), None, "-")


def _tax_rows(sheet: Sheet, layout: Layout, gross: dict[str, Decimal]) -> list[dict[str, str]]:
    form = layout["tax"]
    taxes = {letter: tax_in(amount, _RATES[letter]) for letter, amount in gross.items()}
    labels = {
        "sprzedaz_ptu": ("SPRZEDAŻ OPODATKOWANA {L}", "PTU {L} {r},00 %", "SUMA PTU"),
        "ptu_only": (None, "PTU {L} {r}%", "SUMA PTU"),
        "sprzed_opod_kwota": ("Sprzed. opod. {L}", "Kwota {L} {r},00%", "Podatek PTU"),
        "wartosc_laczna": ("Wartość sprzedaży {L}", "Kwota PTU {L} {r}%", "Łączna kwota PTU"),
        "ptu_eq": ("Sp.op.{L}", "PTU {L}={r},00%", "Razem PTU"),
    }[form]
    if labels[0] is not None:
        for letter, amount in gross.items():
            sheet.pair(labels[0].format(L=letter), fmt(amount, True))
    for letter, tax in taxes.items():
        sheet.pair(labels[1].format(L=letter, r=_RATES[letter]), fmt(tax, True))
    sheet.pair(labels[2], fmt(sum(taxes.values(), Decimal(0)), True))
    return [{"rate": f"{_RATES[letter]}%", "amount": f"{tax:.2f}"} for letter, tax in taxes.items()]


def compose(layout: Layout, receipt_id: str) -> tuple[Sheet, dict[str, Any]]:
    """One Polish receipt of ``layout``: its sheet and its answer key."""
    rng = random.Random(seed_of(receipt_id))  # noqa: S311 - repeatable, not a secret
    sheet = Sheet(layout.width)
    extra = random.Random(seed_of(f"{receipt_id}/extras"))  # noqa: S311 - repeatable
    merchant = _header(sheet, layout, rng)
    header_extra(sheet, "pl", layout["extras"])
    stamp = when(rng)
    if layout["date_pos"] == "header":
        _date_row(sheet, rng, stamp)
    sheet.center("PARAGON FISKALNY", bold=True)
    sheet.rule()
    lines = basket(rng, "pl", discounts=True, max_name=min(layout.width - 6, 24))
    for line in lines:
        line.tax_class = rng.choice("AAABC")
    if (deposit := _deposit(rng, layout)) is not None:
        lines.insert(rng.randint(1, len(lines)), deposit)
    sheet.section = "items"
    for line in lines:
        _item(sheet, layout, line)
    sheet.section = "footer"
    sheet.rule()
    gross: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.tax_class != "-":
            gross[line.tax_class] += line.net
    gross = dict(sorted(gross.items()))
    total = sum((line.net for line in lines), Decimal(0))
    tax_first = seed_of(layout.name) % 3 != 0
    tax: list[dict[str, str]] = []
    if tax_first:
        tax = _tax_rows(sheet, layout, gross)
    zloty = " zł" if rng.random() < 0.3 else ""
    big = layout["name_style"] == "big" and rng.random() < 0.5
    sheet.pair(layout["total"], f"{fmt(total, True)}{zloty}", big=big, role="total")
    if not tax_first:
        tax = _tax_rows(sheet, layout, gross)
    cash = layout["payment"] in ("Gotówka", "Zapłacono gotówką")
    if cash:
        given = tendered(rng, total)
        sheet.pair(layout["payment"], fmt(given, True))
        sheet.pair("Reszta", fmt(given - total, True))
    else:
        sheet.pair(layout["payment"], fmt(total, True))
    savings = sum((line.discount or Decimal(0) for line in lines), Decimal(0))
    footer_extra(sheet, "pl", layout["extras"], extra, savings)
    sheet.pair(f"#Kasa {rng.randint(1, 9)}", f"Kasjer {rng.choice(('Ewa', 'Marek', 'Ola'))}")
    if layout["date_pos"] == "footer":
        _date_row(sheet, rng, stamp)
    sheet.center(f"{rng.choice(('ABC', 'BEA', 'CCD'))} {rng.randint(10**7, 10**8 - 1)}")
    sheet.center("Dziękujemy za zakupy!")
    year, month, day, hour, minute = stamp
    key = {
        "locale": "pl",
        "merchant": merchant,
        "date": f"{year}-{month:02d}-{day:02d}",
        "time": f"{hour:02d}:{minute:02d}",
        "currency": "PLN",
        "items": [line.key() for line in lines],
        "subtotal": None,
        "tax": tax,
        "total": f"{total:.2f}",
        "payment": "cash" if cash else "card",
    }
    return sheet, key
