"""Malaysian receipts (English, ringgit, 6% GST): the wording of each layout option and the key.

What the real scans of ``../shared/data/sroie`` print and the other locales do not: a product
code, quantity and prices on one row with the name under it; items in sections per tax code,
each closed by its own sum ("Total 0% supplies:"); prices before GST with the GST added, or
GST-inclusive prices and a total that says so; a cash rounding to 5 sen on its own row (its
cents printed without a leading zero on some tills); a discount on the whole bill above the
total; a GST summary of base and tax per code.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from receipt_gen.extras import footer_extra, header_extra
from receipt_gen.layouts import Layout, seed_of
from receipt_gen.sheet import Line, Sheet, basket, cents, fmt, tendered, when
from receipt_gen.vocab import LEGAL_FORMS, NAMES, STREETS, TOWNS

_GST = Decimal(6)
_SEN = Decimal("0.05")
_ZERO_RATED = ("RICE", "SUGAR", "FLOUR", "EGGS", "BREAD", "COOKING OIL")


def _header(sheet: Sheet, layout: Layout, rng: random.Random) -> str:
    form = layout["header"]
    name = rng.choice(NAMES["my"])
    legal = rng.choice(LEGAL_FORMS["my"][0 if layout.split == "dev" else rng.randrange(2)])
    first = name if form == "name_only" else f"{name} {legal}"
    if form == "brand_over_company":
        sheet.center(name.split()[0], big=True)
    sheet.center(first, big=layout["name_style"] == "big" and len(first) * 2 <= sheet.width)
    if form in ("name_legal_regno", "brand_over_company"):
        sheet.center(f"({rng.randint(100000, 999999)}-{rng.choice('ADHKMPTUVWX')})")
    sheet.center(rng.choice(STREETS["my"]))
    sheet.center(rng.choice(TOWNS["my"]))
    sheet.center(f"TEL: 03-{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}")
    sheet.center(f"GST ID: 000{rng.randint(100000000, 999999999)}")
    sheet.center("TAX INVOICE")
    return first


def _item(sheet: Sheet, layout: Layout, line: Line, rng: random.Random) -> None:
    shape = layout["item"]
    code = f"{rng.randrange(10**12, 10**13)}"
    qty = f"{line.quantity:.3f}" if line.unit == "kg" else str(line.quantity)
    if shape == "code_then_name":
        sheet.pair(f"{code}  {qty}", f"{fmt(line.price)}  {fmt(line.total)} {line.tax_class}")
        sheet.left(f"{line.tax_class}:{line.name}")
    elif shape == "name_then_qty":
        sheet.left(line.name)
        sheet.pair(f"  {qty} x {fmt(line.price)}", f"{fmt(line.total)} {line.tax_class}")
    elif shape == "qty_first" and line.unit == "pcs":
        sheet.pair(f"{qty}x {line.name}", f"{fmt(line.price)}  {fmt(line.total)}")
    else:  # "columns": name, quantity, price and amount on one row
        sheet.pair(f"{line.name}", f"{qty} {fmt(line.price)} {fmt(line.total)}")
    if line.discount is not None:
        sheet.pair(f"  {layout['discount']}", f"-{fmt(line.discount)}")


def _round_cash(amount: Decimal) -> Decimal:
    return (amount / _SEN).quantize(Decimal(1), rounding=ROUND_HALF_UP) * _SEN


def _rounding_row(sheet: Sheet, layout: Layout, rounding: Decimal) -> None:
    text = fmt(rounding)
    if layout["rounding"] == "no_zero" and abs(rounding) < 1:
        text = text.replace("0.", ".", 1)  # ".02", "-.02"
    sheet.pair(layout["rounding_word"], text)


def _items(sheet: Sheet, layout: Layout, lines: list[Line], rng: random.Random) -> None:
    """The item rows: in one block, or in a section per tax code closed by its own sum."""
    if layout["sections"] == "none":
        for line in lines:
            _item(sheet, layout, line, rng)
        return
    for code, rate in (("Z", "0%"), ("S", "6%")):
        chosen = [line for line in lines if line.tax_class == code]
        if not chosen:
            continue
        for line in chosen:
            _item(sheet, layout, line, rng)
        base = sum((line.net for line in chosen), Decimal(0))
        word = "Total" if layout["sections"] == "per_rate" else "Sub Total"
        sheet.pair(f"{word} {rate} supplies:", fmt(base))


def _footer(
    sheet: Sheet, layout: Layout, lines: list[Line], rng: random.Random
) -> tuple[Decimal, Decimal, bool]:
    """Subtotal, bill discount, GST, rounding, total, payment and the GST summary; the total,
    the GST and whether it was paid in cash."""
    gross_prices = layout["prices"] == "inclusive"
    net = sum((line.net for line in lines), Decimal(0))
    taxable = sum((line.net for line in lines if line.tax_class == "S"), Decimal(0))
    bill_discount = Decimal(0)
    if layout["bill_discount"] != "none" and rng.random() < 0.5 and net > 10:
        bill_discount = cents(net * Decimal(rng.choice((5, 10))) / 100)
    if gross_prices:
        gst = cents(taxable * _GST / (100 + _GST))
        due = net - bill_discount
        sheet.pair("SUB-TOTAL", fmt(net))
        if bill_discount:
            sheet.pair(layout["bill_discount"], f"-{fmt(bill_discount)}")
        sheet.pair("Total Sales (Inclusive GST)", fmt(due))
    else:
        gst = cents(taxable * _GST / 100)
        due = net - bill_discount + gst
        sheet.pair("SUB-TOTAL (EX)", fmt(net))
        if bill_discount:
            sheet.pair(layout["bill_discount"], f"-{fmt(bill_discount)}")
        sheet.pair(layout["tax"], fmt(gst))
    total = _round_cash(due)
    if total != due:
        _rounding_row(sheet, layout, total - due)
    sheet.pair(layout["total"], fmt(total), big=rng.random() < 0.3, role="total")
    cash = layout["payment"].startswith("CASH")
    if cash:
        given = tendered(rng, total)
        sheet.pair(layout["payment"], fmt(given))
        sheet.pair("CHANGE", fmt(given - total))
    else:
        sheet.pair(layout["payment"], fmt(total))
        sheet.left(f"XXXXXXXXXXXX{rng.randint(1000, 9999)}")
    sheet.left("GST SUMMARY  AMOUNT(RM)  TAX(RM)")
    base = taxable - gst if gross_prices else taxable
    sheet.pair("SR 6%", f"{fmt(base)}  {fmt(gst)}")
    return total, gst, cash


def compose(layout: Layout, receipt_id: str) -> tuple[Sheet, dict[str, Any]]:
    """One Malaysian receipt of ``layout``: its sheet and its answer key."""
    rng = random.Random(seed_of(receipt_id))  # noqa: S311 - repeatable, not a secret
    extra = random.Random(seed_of(f"{receipt_id}/extras"))  # noqa: S311 - repeatable
    sheet = Sheet(layout.width)
    merchant = _header(sheet, layout, rng)
    header_extra(sheet, "my", layout["extras"])
    year, month, day, hour, minute = when(rng)
    stamp = f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}"
    sheet.left(f"Date: {stamp}")
    sheet.rule()
    sheet.left("ITEM  QTY  U/P  AMOUNT")
    sheet.section = "items"
    lines = basket(rng, "my", discounts=True, max_name=min(layout.width - 14, 24))
    for line in lines:
        line.tax_class = "Z" if any(w in line.name for w in _ZERO_RATED) else "S"
    if layout["sections"] != "none":
        lines.sort(key=lambda line: line.tax_class != "Z")
    _items(sheet, layout, lines, rng)
    sheet.section = "footer"
    sheet.rule()
    total, gst, cash = _footer(sheet, layout, lines, rng)
    footer_extra(sheet, "my", layout["extras"], extra, Decimal(0))
    sheet.center("THANK YOU. PLEASE COME AGAIN")
    key = {
        "locale": "en",
        "merchant": merchant,
        "date": f"{year}-{month:02d}-{day:02d}",
        "time": f"{hour:02d}:{minute:02d}",
        "currency": "MYR",
        "items": [line.key() for line in lines],
        "subtotal": f"{sum((line.net for line in lines), Decimal(0)):.2f}",
        "tax": [{"rate": "6%", "amount": f"{gst:.2f}"}],
        "total": f"{total:.2f}",
        "payment": "cash" if cash else "card",
    }
    return sheet, key
