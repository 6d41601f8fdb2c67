"""The grammar of receipt layouts: per locale, the slots a layout fills (header form, item row
shape, discount word, total and tax wording, payment wording, width, font) and the options of
each.

Every slot has ``dev`` options and, for most slots, ``held`` options. A dev layout draws each
slot from the dev options only; a held-back layout draws from both and takes at least two held
options, so a parser developed on the dev layouts meets wordings and row shapes it has never
seen. Layouts are named (``pl-dev-03``, ``ru-held-05``) and fixed by their name: the same name
always gives the same layout.
"""

# Cyrillic words are meant, not Latin look-alikes:
# ruff: noqa: RUF001

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from receipt_gen.extras import EXTRA_SLOTS

LOCALES = ("pl", "ru", "uk", "us", "my")
SPLITS = ("dev", "held")
LAYOUTS_PER_SPLIT = {"dev": 10, "held": 8}
_MIN_HELD = 2

Options = tuple[list[str], list[str]]

SLOTS: dict[str, dict[str, Options]] = {
    "pl": {
        "header": (["brand_legal", "type_quoted", "type_plain", "brand_only"],
                   ["type_quoted_legal", "legal_quoted", "person_quoted"]),
        "item": (["one_line", "two_line"], ["two_line_star", "one_line_szt"]),
        "discount": (["Rabat", "Obniżka"], ["Promocja", "Zniżka", "Rabat promocyjny"]),
        "deposit": (["none", "kaucja"], ["opakowanie"]),
        "tax": (["sprzedaz_ptu", "ptu_only"], ["sprzed_opod_kwota", "wartosc_laczna", "ptu_eq"]),
        "total": (["SUMA PLN", "SUMA"], ["DO ZAPŁATY", "RAZEM PLN", "Należność"]),
        "payment": (["Karta płatnicza", "Gotówka"],
                    ["Płatność kartą", "BLIK", "Zapłacono gotówką"]),
    },
    "ru": {
        "header": (["legal_quoted", "type_quoted_legal", "ip_person", "type_quoted"],
                   ["type_quoted_held", "type_guillemets", "brand_legal", "legal_quoted_type"]),
        "item": (["two_line_eq", "numbered_two_line"], ["one_line_sht", "two_line_star"]),
        "item_tax": (["none", "nds_line"], ["vtch"]),
        "discount": (["СКИДКА"], ["Скидка по акции", "СКИДКА ПО КАРТЕ"]),
        "subtotal": (["none", "ПОДИТОГ"], ["ПРОМЕЖУТОЧНЫЙ ИТОГ"]),
        "total": (["ИТОГ", "ИТОГО"], ["ИТОГО К ОПЛАТЕ", "ВСЕГО К ОПЛАТЕ", "СУММА ПО ЧЕКУ"]),
        "tax": (["СУММА НДС", "НДС"], ["В Т.Ч. НДС", "НДС_fraction", "СУММА НДС ПО СТАВКЕ"]),
        "payment": (["НАЛИЧНЫМИ", "БЕЗНАЛИЧНЫМИ"], ["ЭЛЕКТРОННЫМИ", "ОПЛАТА КАРТОЙ", "ПОЛУЧЕНО"]),
    },
    "uk": {
        "header": (["name", "name_legal"], ["type_name", "name_branch"]),
        "item": (["one_line", "at_under"], ["qty_first", "at_under_nosign"]),
        "discount": (["SAVING", "MULTIBUY SAVING"], ["PRICE CUT", "PROMO DISCOUNT"]),
        "subtotal": (["SUBTOTAL", "none"], ["SUB-TOTAL", "ITEMS SUBTOTAL"]),
        "total": (["TOTAL", "BALANCE DUE"], ["TOTAL TO PAY", "AMOUNT TO PAY"]),
        "tax": (["vat_table"], ["vat_at", "incl_vat"]),
        "payment": (["CARD", "CASH"], ["CONTACTLESS", "CASH TENDERED"]),
    },
    "us": {
        "header": (["name", "name_inc"], ["store_no", "type_name"]),
        "item": (["code_flag", "at_above"], ["qty_prefix", "at_below"]),
        "discount": (["SAVINGS", "COUPON"], ["MEMBER PRICE", "INSTANT SAVINGS"]),
        "subtotal": (["SUBTOTAL"], ["SUB TOTAL", "MERCHANDISE"]),
        "total": (["TOTAL", "BALANCE DUE"], ["AMOUNT DUE", "TOTAL DUE"]),
        "tax": (["TAX"], ["SALES TAX", "STATE TAX"]),
        "payment": (["CASH TEND", "VISA"], ["DEBIT TEND", "MASTERCARD"]),
    },
    "my": {
        "header": (["name_legal", "name_legal_regno"], ["name_only", "brand_over_company"]),
        "item": (["code_then_name", "name_then_qty"], ["qty_first", "columns"]),
        "sections": (["none", "per_rate"], ["per_rate_sub"]),
        "prices": (["exclusive", "inclusive"], []),
        "discount": (["DISC", "Discount"], ["Member Disc", "Promo"]),
        "bill_discount": (["none", "Bill Discount"], ["Coupon Discount", "Voucher"]),
        "tax": (["GST @ 6%", "TOTAL TAX"], ["GST 6%", "Service Tax"]),
        "rounding": (["zero"], ["no_zero"]),
        "rounding_word": (["ROUNDING", "Rounding Adj"], ["Rounding Adjustment", "RNDG ADJ"]),
        "total": (["TOTAL", "Total Amount"], ["Total Payable", "NETT TOTAL", "Grand Total"]),
        "payment": (["CASH", "CASH TENDERED"], ["VISA", "CREDIT CARD"]),
    },
}  # fmt: skip
# Slots every locale has: rendering and placement.
COMMON: dict[str, Options] = {
    "name_style": (["plain", "big"], ["bold"]),
    "date_pos": (["header", "footer"], ["footer"]),
    "font": (["DejaVuSansMono", "DejaVuSansMono-Bold"], ["DejaVuSansMono", "DejaVuSans"]),
}
WIDTHS = {"dev": (32, 42), "held": (34, 48)}


@dataclass(frozen=True)
class Layout:
    """One named layout: the option chosen for every slot, and the page width in characters."""

    name: str
    locale: str
    split: str
    choices: dict[str, str]
    width: int

    def __getitem__(self, slot: str) -> str:
        return self.choices[slot]


def seed_of(text: str) -> int:
    """A stable integer seed for a name (Python's ``hash`` of a string is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def make_layout(locale: str, split: str, number: int) -> Layout:
    """The layout ``<locale>-<split>-<number>``, the same every time."""
    name = f"{locale}-{split}-{number:02d}"
    rng = random.Random(seed_of(name))  # noqa: S311 - repeatable, not a secret
    slots = {**SLOTS[locale], **COMMON}
    choices = {slot: rng.choice(dev) for slot, (dev, _) in slots.items()}
    if split == "held":
        heldable = sorted(slot for slot, (_, held) in slots.items() if held)
        forced = rng.sample(heldable, k=min(len(heldable), _MIN_HELD + rng.randrange(3)))
        for slot in forced:
            choices[slot] = rng.choice(slots[slot][1])
    low, high = WIDTHS[split]
    width = rng.randint(low, high)
    # Slots added later draw from their own stream: the layouts above stay as they were.
    extra = random.Random(seed_of(f"{name}/extras"))  # noqa: S311 - repeatable, not a secret
    for slot, (dev, held) in EXTRA_SLOTS.items():
        use_held = split == "held" and extra.random() < 0.6
        choices[slot] = extra.choice(held if use_held else dev)
    return Layout(name, locale, split, choices, width)


def layouts(locale: str, split: str) -> list[Layout]:
    """Every layout of a locale in one split."""
    return [make_layout(locale, split, n) for n in range(LAYOUTS_PER_SPLIT[split])]
