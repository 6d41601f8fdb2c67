"""A generator of receipts priced in "$" from the countries whose dollars share the sign, each
carrying one kind of evidence of its country (issue 16: "a '$' on a Malaysian receipt becomes
USD"). Names, streets, items and prices are drawn from a seed; the country's evidence is one of
the kinds every country has: its name in the address, a region or postcode form, a tax or
company id, the GST rate, a phone prefix. Written for the tests, not taken from a data set.
"""

from __future__ import annotations

import random
from decimal import Decimal

# Per currency, per kind of evidence, the header or footer rows that carry it ({n}: digits).
EVIDENCE: dict[str, dict[str, list[str]]] = {
    "MYR": {
        "country": ["{n3}, JALAN {street}, 47000 SUNGAI BULOH, MALAYSIA"],
        "region": ["LOT {n2}, JALAN {street}", "81300 SKUDAI, JOHOR"],
        "tax_id": ["GST ID : 00{n10}"],
        "company_no": ["{name} SDN BHD ({n6}-K)"],
        "gst_rate": ["GST @ 6%"],
        "phone": ["TEL: +60 3-{n4} {n4}"],
    },
    "SGD": {
        "country": ["{n2} {street} ROAD, SINGAPORE {n6}"],
        "tax_id": ["GST REG NO: M2-{n7}-{n1}"],
        "company_no": ["UEN: 20{n7}K"],
        "gst_rate": ["GST 9% INCLUDED"],
        "phone": ["TEL +65 {n4} {n4}"],
    },
    "AUD": {
        "country": ["{n2} {street} ST, MELBOURNE, AUSTRALIA"],
        "region": ["{n2} {street} ST", "PARRAMATTA NSW 2150"],
        "tax_id": ["ABN {n2} {n3} {n3} {n3}"],
        "gst_rate": ["GST 10% INCL"],
        "phone": ["PH +61 2 {n4} {n4}"],
    },
    "CAD": {
        "country": ["{n3} {street} AVE, TORONTO, CANADA"],
        "region": ["{n3} {street} AVE", "OTTAWA, ON K1A 0B1"],
        "tax_id": ["GST/HST {n9} RT0001"],
        "gst_rate": ["GST 5%"],
    },
    "NZD": {
        "country": ["{n2} {street} STREET, AUCKLAND, NEW ZEALAND"],
        "tax_id": ["GST NO: {n3}-{n3}-{n3}"],
        "gst_rate": ["GST 15% INCLUDED"],
        "phone": ["PH +64 9 {n3} {n4}"],
    },
    "HKD": {
        "country": ["{n2} {street} ROAD, KOWLOON, HONG KONG"],
        "phone": ["TEL: +852 {n4} {n4}"],
    },
    "USD": {
        "country": ["{n3} {street} ST, SPRINGFIELD, USA"],
        "region": ["{n3} {street} ST", "AUSTIN, TX 78701"],
        "tax_id": ["SALES TAX"],
    },
}
_NAMES = ("MAJU", "SENTOSA", "HARBOUR", "MAPLE", "KIWI", "GOLDEN", "LUCKY", "SUNRISE", "OAK")
_SHOPS = ("MART", "GROCER", "STORE", "BAKERY", "TRADING")
_STREETS = ("MERDEKA", "ORCHARD", "GEORGE", "KING", "QUEEN", "NATHAN", "ELM", "STATION")
_ITEMS = ("MILK 1L", "BREAD", "EGGS 10S", "RICE 5KG", "COFFEE", "SUGAR 1KG", "TEA", "BUTTER")


def _fill(template: str, rng: random.Random, name: str, street: str) -> str:
    digits = {f"n{k}": "".join(rng.choice("0123456789") for _ in range(k)) for k in range(1, 11)}
    return template.format(name=name, street=street, **digits)


def dollar_receipt(currency: str, kind: str | None, seed: int) -> list[str]:
    """The rows of a receipt priced with a bare "$", with ``kind`` of evidence of
    ``currency``'s country (``None``: no evidence of any country)."""
    rng = random.Random(f"{currency}-{kind}-{seed}")
    name = rng.choice(_NAMES)
    street = rng.choice(_STREETS)
    header = [f"{name} {rng.choice(_SHOPS)}"]
    evidence = [] if kind is None else EVIDENCE[currency][kind]
    rows = [_fill(template, rng, name, street) for template in evidence]
    # A tax rate is printed under the total; every other mark in the header.
    header_rows, footer_rows = ([], rows) if kind == "gst_rate" else (rows, [])
    if not header_rows:
        header_rows = [f"{rng.randint(1, 99)} {street} LANE"]
    items = []
    total = Decimal(0)
    for item in rng.sample(_ITEMS, rng.randint(2, 5)):
        price = Decimal(rng.randint(100, 2500)) / 100
        total += price
        items.append(f"{item} | ${price:.2f}")
    day = rng.randint(1, 28)
    return [
        *header,
        *header_rows,
        f"{day:02d}/0{rng.randint(1, 9)}/2024 {rng.randint(8, 21)}:{rng.randint(10, 59)}",
        *items,
        f"TOTAL | ${total:.2f}",
        *footer_rows,
        "THANK YOU",
    ]
