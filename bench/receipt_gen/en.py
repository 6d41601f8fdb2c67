"""English receipts, UK (VAT inside the prices) and US (sales tax added): the wording of each
layout option and the key."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from receipt_gen.extras import footer_extra, header_extra, item_code
from receipt_gen.layouts import Layout, seed_of
from receipt_gen.sheet import Line, Sheet, basket, cents, fmt, tax_in, tendered, when
from receipt_gen.vocab import LEGAL_FORMS, NAMES, STORE_TYPES, STREETS, TOWNS

_US_TAXABLE = ("COLA", "CHIPS", "PAPER", "SOAP", "WATER")


def _header(sheet: Sheet, layout: Layout, rng: random.Random, country: str) -> str:
    form = layout["header"]
    big, bold = layout["name_style"] == "big", layout["name_style"] == "bold"
    name = rng.choice(NAMES[country])
    if form in ("name_legal", "name_inc"):
        first = f"{name} {rng.choice(LEGAL_FORMS[country][0])}"
    elif form == "type_name":
        kind = rng.choice([t for t in STORE_TYPES[country][1] if t])
        first = f"{kind} {name}" if kind == "THE" else f"{name} {kind}"
    else:
        first = name
    sheet.center(first, big=big and len(first) * 2 <= sheet.width, bold=bold)
    if form == "store_no":
        sheet.center(f"STORE #{rng.randint(100, 9999)}")
    if form == "name_branch":
        sheet.center(f"{rng.choice(TOWNS[country]).split()[0]} STORE")
    sheet.center(rng.choice(STREETS[country]))
    sheet.center(rng.choice(TOWNS[country]))
    if country == "uk":
        sheet.center(f"TEL 0{rng.randint(1000, 1999)} {rng.randint(100000, 999999)}")
        sheet.center(f"VAT NO GB {rng.randint(100, 999)} {rng.randint(1000, 9999)} 12")
    else:
        sheet.center(f"({rng.randint(200, 999)}) 555-{rng.randint(1000, 9999)}")
    return first


def _uk_item(sheet: Sheet, layout: Layout, line: Line) -> None:
    sign = "" if layout["item"] == "at_under_nosign" else "£"
    amount = f"{sign}{fmt(line.total)}"
    if line.unit == "kg":
        sheet.pair(line.name, amount)
        sheet.left(f"  {line.quantity:.3f} kg @ {sign}{fmt(line.price)}/kg")
    elif line.quantity == 1:
        sheet.pair(line.name, amount)
    elif layout["item"] == "qty_first":
        sheet.pair(f"{line.quantity} x {line.name}", amount)
    else:
        sheet.pair(line.name, amount)
        sheet.left(f"  {line.quantity} @ {sign}{fmt(line.price)}")
    if line.discount is not None:
        sheet.pair(f"  {layout['discount']}", f"-{sign}{fmt(line.discount)}")


def _us_item(
    sheet: Sheet, layout: Layout, line: Line, rng: random.Random, extra: random.Random
) -> None:
    flag = line.tax_class
    shape = layout["item"]
    name = (
        f"{line.name} {rng.randrange(10**10, 10**11):012d}" if shape == "code_flag" else line.name
    )
    if shape == "qty_prefix":
        sheet.pair(f"{line.quantity} {name}", f"{fmt(line.total)} {flag}")
    elif shape == "at_below":
        sheet.pair(name, f"{fmt(line.total)} {flag}")
        if line.quantity > 1:
            sheet.left(f"  {line.quantity} @ {fmt(line.price)} ea")
    else:
        if line.quantity > 1:
            sheet.left(f"  {line.quantity} @ {fmt(line.price)}")
        sheet.pair(name, f"{fmt(line.total)} {flag}")
    item_code(sheet, "us", layout["item_code"], extra)
    if line.discount is not None:
        sheet.pair(f"  {layout['discount']}", f"{fmt(line.discount)}-")


def _stamp(country: str, stamp: tuple[int, int, int, int, int]) -> str:
    year, month, day, hour, minute = stamp
    if country == "uk":
        return f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}"
    half = "AM" if hour < 12 else "PM"
    return f"{month:02d}/{day:02d}/{year} {(hour - 1) % 12 + 1:02d}:{minute:02d} {half}"


def _pay(sheet: Sheet, layout: Layout, rng: random.Random, total: Decimal, sign: str) -> bool:
    """The payment rows; whether it was cash."""
    method = layout["payment"]
    if method in ("CASH", "CASH TEND", "CASH TENDERED"):
        given = tendered(rng, total)
        sheet.pair(method, f"{sign}{fmt(given)}")
        sheet.pair("CHANGE DUE" if method != "CASH" else "CHANGE", f"{sign}{fmt(given - total)}")
        return True
    sheet.pair(method if method != "CARD" else "VISA DEBIT", f"{sign}{fmt(total)}")
    sheet.left(f"************{rng.randint(1000, 9999)}")
    return False


def _uk_tax(sheet: Sheet, layout: Layout, lines: list[Line]) -> list[dict[str, str]]:
    gross = sum((x.net for x in lines if x.tax_class == "A"), Decimal(0))
    zero = sum((x.net for x in lines if x.tax_class == "Z"), Decimal(0))
    vat = tax_in(gross, Decimal(20))
    if layout["tax"] == "vat_table":
        sheet.pair("VAT RATE", "VAT      NET")
        sheet.pair("A 20.0%", f"{fmt(vat)}  {fmt(gross - vat)}")
        sheet.pair("Z 0.0%", f"0.00  {fmt(zero)}")
        return [{"rate": "20%", "amount": f"{vat:.2f}"}, {"rate": "0%", "amount": "0.00"}]
    label = "VAT @ 20%" if layout["tax"] == "vat_at" else "INCL. VAT 20%"
    sheet.pair(label, fmt(vat))
    return [{"rate": "20%", "amount": f"{vat:.2f}"}]


def compose(layout: Layout, receipt_id: str) -> tuple[Sheet, dict[str, Any]]:
    """One UK or US receipt of ``layout``: its sheet and its answer key."""
    country = layout.locale
    rng = random.Random(seed_of(receipt_id))  # noqa: S311 - repeatable, not a secret
    sheet = Sheet(layout.width)
    extra = random.Random(seed_of(f"{receipt_id}/extras"))  # noqa: S311 - repeatable
    merchant = _header(sheet, layout, rng, country)
    header_extra(sheet, country, layout["extras"])
    stamp = when(rng)
    if layout["date_pos"] == "header":
        sheet.left(_stamp(country, stamp))
    sheet.rule()
    uk = country == "uk"
    lines = basket(rng, country, discounts=True, max_name=min(layout.width - 12, 22), weighed=uk)
    sheet.section = "items"
    for line in lines:
        taxable = any(word in line.name for word in _US_TAXABLE)
        line.tax_class = ("A" if rng.random() < 0.5 else "Z") if uk else ("T" if taxable else "F")
        if uk:
            _uk_item(sheet, layout, line)
        else:
            _us_item(sheet, layout, line, rng, extra)
    sheet.section = "footer"
    sheet.rule()
    net = sum((line.net for line in lines), Decimal(0))
    sign = "£" if uk else ""
    subtotal: Decimal | None = None
    if not uk or layout["subtotal"] != "none":
        subtotal = net
        sheet.pair(layout["subtotal"], f"{sign}{fmt(net)}")
    tax: list[dict[str, str]] = []
    total = net
    if not uk:
        rate = Decimal(rng.choice(("6.25", "7.00", "8.25", "8.875")))
        amount = cents(sum((x.net for x in lines if x.tax_class == "T"), Decimal(0)) * rate / 100)
        label = f"{layout['tax']} {rate}%" if layout["tax"] != "SALES TAX" else "SALES TAX"
        sheet.pair(label, fmt(amount))
        total = net + amount
        tax = [{"rate": f"{rate.normalize()}%", "amount": f"{amount:.2f}"}]
    sheet.pair(layout["total"], f"{sign}{fmt(total)}", big=rng.random() < 0.3, role="total")
    cash = _pay(sheet, layout, rng, total, sign)
    savings = sum((line.discount or Decimal(0) for line in lines), Decimal(0))
    footer_extra(sheet, country, layout["extras"], extra, savings)
    if uk:
        tax = _uk_tax(sheet, layout, lines)
    if layout["date_pos"] == "footer":
        sheet.left(_stamp(country, stamp))
    sheet.center(f"ITEMS {sum(1 for _ in lines)}   TR# {rng.randint(1000, 9999)}")
    sheet.center("THANK YOU FOR SHOPPING")
    year, month, day, hour, minute = stamp
    key = {
        "locale": "en",
        "merchant": merchant,
        "date": f"{year}-{month:02d}-{day:02d}",
        "time": f"{hour:02d}:{minute:02d}",
        "currency": "GBP" if uk else "USD",
        "items": [line.key() for line in lines],
        "subtotal": None if subtotal is None else f"{subtotal:.2f}",
        "tax": tax,
        "total": f"{total:.2f}",
        "payment": "cash" if cash else "card",
    }
    return sheet, key
