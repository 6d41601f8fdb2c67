"""The receipt's header: the store's name, its address and its tax number.

The name is the first header row that reads like one (not an address, a number, a date or a
receipt title); the address is the rows under it up to the first tax number, phone, date or
title, without the operator's legal name. Nothing here knows any one store.

English receipts (the UK, the US, Malaysia and Singapore) name the company that issued them:
where a row in the name block ends in a legal form ("SDN BHD", "LTD", "INC"), that company is
the merchant, with the upper-case rows it wraps from ("POPULAR BOOK" over "CO. (M) SDN BHD").
Polish and Russian receipts keep the shop's name over the operator's (``_full_name``).
"""

# Cyrillic keywords and the signs × − – are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from foodscan.recognition.receipt.amounts import find_amounts, letters_in
from foodscan.recognition.receipt.glued import split_glued
from foodscan.recognition.receipt.item_rows import Kind, read_item_row
from foodscan.recognition.receipt.rows import Row
from foodscan.recognition.receipt.when import find_date, find_time

_TAX_ID = re.compile(
    r"\b(?:NIP|REGON)\b\.?:?\s*(?:PL\s?)?(?P<nip>\d[\d -]{8,12}\d)"
    # ИНН, and RapidOCR's readings of it (it has no Cyrillic letters).
    r"|(?:\bИНН|\b[NMH]HH)\b:?\s*(?P<inn>\d{10}(?:\d{2})?)(?!\d)"
    r"|\bVAT\s*(?:REG(?:ISTRATION)?\.?\s*)?(?:NO|NUMBER|#)\.?:?\s*"
    r"(?P<vat>[A-Z]{2}\s?\d[\d ]{7,13}\d)"
    r"|\bGST\s*(?:REG\.?\s*)?(?:NO|ID)\.?\s*:?\s*(?P<gst>\d{12})",
    re.IGNORECASE,
)
_NOT_NAME = re.compile(
    r"\b(?:NIP|REGON|VAT|TAX|EIN|ABN|GST|ИНН|КПП|ОГРН|TEL|PHONE|ТЕЛ|FAX|WWW|HTTP|E-?MAIL|"
    r"PARAGON|FISKALNY|RECEIPT|WELCOME|INVOICE|FAKTURA|КАССОВЫЙ|ЧЕК|ПРИХОД|ДОБРО|COPY)\b"
    r"|\bCO(?:MPANY)?\.?\s*(?:REG\.?\s*)?NO\b"
    r"|^(?:UL|AL|PL|OS|УЛ|ПР|ПРОСП|Г|Д)\.|\d{2}-\d{3}|(?<!\d)\d{5,6}(?!\d)",
    re.IGNORECASE,
)
# Street words: a row with one, or a house number and a comma, is an address, not a name.
_STREET = re.compile(
    r"\b(?:STREET|ST|ROAD|RD|AVENUE|AVE|LANE|LN|DRIVE|DR|BLVD|WAY|SQUARE|SQ|HIGHWAY|HWY|"
    r"PLAZA|JALAN|JLN|LOT|TAMAN|ULICA|UL|ALEJA|AL|УЛ|УЛИЦА|ПР|ПРОСПЕКТ|Д)\b\.?",
    re.IGNORECASE,
)
# A company registration number, with or without its label: "(139386 X)", "Co-REG:750441-W".
_REGISTRATION = re.compile(
    r"\(?\s*(?:(?:CO(?:MPANY)?\.?\s*-?\s*(?:REG(?:ISTRATION)?|NO)\.?|REG\.?)\s*(?:NO\.?)?"
    r"\s*[:.]?\s*)?\b[A-Z]{0,2}\d{5,}[-\s·]?[A-Z]\b\s*\)?",
    re.IGNORECASE,
)
# Where the address block ends: ids, contacts, dates, receipt titles, till data.
_END_OF_ADDRESS = re.compile(
    r"\b(?:NIP|REGON|VAT|GST|EIN|ABN|ИНН|КПП|ОГРН|TEL|PHONE|ТЕЛ|FAX|WWW|HTTP|E-?MAIL|"
    r"PARAGON|FISKALNY|RECEIPT|(?:TAX\s?)?INVOICE|FAKTURA|КАССОВЫЙ|ЧЕК|ПРИХОД|CASHIER|KASJER|КАССИР|"
    r"ST#|TR#|DOC|TABLE|SITE|TELEPHONE|TE1|MOBILE|WHATSAPPS?|HP)\b|[NMH]HH\b|\(\d{3}\)\s?\d{3}"
    r"|\bCO(?:MPANY)?\.?\s*(?:REG\.?\s*)?NO\b",
    re.IGNORECASE,
)
# The operator's legal form: a row naming the company, not part of its address.
_LEGAL_NAME = re.compile(
    r"\bSP\.?\s?Z\s?[O0]\.?\s?[O0]\b|\bS\.A\.|\bSP\.?\s?J\.|\bSDN\.?\s?BHD\b|\bBHD\b|\bLTD\b|"
    r"\bLIMITED\b|\bPLC\b|\bLLC\b|\bINC\b|\bGMBH\b|\bООО\b|\bОАО\b|\bЗАО\b|\bПАО\b|\bАО\b|\bИП\b"
    r"|^\(?[\dA-Z]{5,}-[A-Z]\)?$",
    re.IGNORECASE,
)
# The legal forms an English receipt's issuing company ends in.
_COMPANY = re.compile(
    r"\b(?:SDN\.?\s?BHD|BHD|BERHAD|LTD|LIMITED|PLC|LLC|INC|CORP(?:ORATION)?|PTE)\b\.?\s*$",
    re.IGNORECASE,
)
# A wrapped company name's rows: capitals, digits and the punctuation of names only.
_NAME_PART = re.compile(r"[A-Z0-9&().,'/+\- ]+")
# A till's counter before the name ("#000002 BAIFU (M) Sdn Bhd"), stray underscores.
_LEADING_COUNTER = re.compile(r"^#\s?\d+\s+")
# A labelled field ("Pay By:", "Order :"), which an address row never is.
_LABEL = re.compile(r"^[^\W\d_][\w. ]{0,20}\s?:")
# OCR noise before the first word: one or two lone digits or marks (a logo's dot, a scratch).
_STRAY_LEAD = re.compile(
    r"^(?:(?=[^\w\s\"'(]|\d(?!\d))[^\w\s\"'(]{0,2}\d?[^\w\s\"'(]{0,2}\s+){1,2}"
    r"(?=[\"'(]?[^\W\d_]{2})"
)
# Noise after a quoted name's closing quote ('Супермаркет "РОМАШКА" 3'), and marks glued to
# the first letter ("'МАГАЗИН").
_AFTER_QUOTE = re.compile(r'(?<=")\s+[^\w\s]?\d?[^\w\s]?$')
_GLUED_LEAD = re.compile(r"^[`'‘’.,:;!|]+(?=[^\W\d_])")
# The OCR's zero for an O between capitals ("ST0KROTKA").
_ZERO_IN_WORD = re.compile(r"(?<=[^\W\d_])0(?=[^\W\d_])")
# A word that adds to a name: three letters or more, not an abbreviation ("Sp.", "k.").
_FULL_WORD = re.compile(r"(?<![\w.])[^\W\d_]{3,}(?![\w.])")
_LOGO_OVERLAP = 0.8  # a row this much inside the company row repeats it as a logo
_HEADER_ROWS = 8  # an address is printed within this many rows under the name
_SHORT_LOGO = 3  # letters: a first row this short over a legal name is a logo, not the name


@dataclass(frozen=True)
class Header:
    """The store's identity as printed; ``None`` where not found."""

    name: str | None
    name_row: int | None
    address: str | None
    tax_id: str | None


def _clean(text: str) -> str:
    text = _LEADING_COUNTER.sub("", text.replace("_", " "))
    text = re.sub(r"\)(?=[^\W\d_])", ") ", text)  # "ALAM)SDN" → "ALAM) SDN"
    text = re.sub(r"\s\S?[()]\S?$", "", _REGISTRATION.sub(" ", text))  # a torn-off "P)"
    return " ".join(text.split()).strip(" *=-#|_~")


def _letter_o(match: re.Match[str]) -> str:
    """The O that a zero between letters stands for, in the script and case around it."""
    before = match.string[match.start() - 1]
    o = "О" if "\u0400" <= before <= "\u04ff" else "O"
    return o if before.isupper() else o.lower()


def _reads_like_name(text: str) -> bool:
    text = _clean(text)
    letters, visible = letters_in(text), len(text.replace(" ", ""))
    if letters < 2 or letters < visible / 2 or _NOT_NAME.search(text):
        return False
    if _STREET.search(text) and (re.search(r"\d", text) or "," in text):
        return False
    return not (find_date(text, us_order=False) or find_time(text))


def _name_row(rows: Sequence[Row]) -> int | None:
    for position, row in enumerate(rows):
        if find_amounts(row.text) and not find_date(row.text, us_order=False):
            return None  # the header ends where the first price appears
        if not _reads_like_name(row.text):
            continue
        following = rows[position + 1] if position + 1 < len(rows) else None
        if following is not None and read_item_row(following.text).kind is Kind.QUANTITY:
            return None  # an item's name over its quantity line: the header was not read
        if (
            letters_in(row.text) <= _SHORT_LOGO
            and following is not None
            and _LEGAL_NAME.search(following.text)
        ):
            return position + 1
        return position
    return None


def _address(rows: Sequence[Row], after: int) -> str | None:
    """The rows under the name, up to ids, contacts, dates or prices (skipped while no
    address row has come yet: some tills print the tax number or the date first)."""
    parts: list[str] = []
    for row in rows[after + 1 : after + 1 + _HEADER_ROWS]:
        text = _clean(row.text)
        if find_amounts(text) and not re.search(r"\d{2}-\d{3}|\d{5}", text):
            break
        marked = _END_OF_ADDRESS.search(text) or find_date(text, us_order=False)
        if marked or find_time(text):
            if parts:
                break
            continue
        if parts and _LABEL.search(text):
            break  # "Pay By: CASH", "Order : 1131": the till's data under the address
        if _LEGAL_NAME.search(text) or letters_in(text) < 2:
            continue
        parts.append(text)
    return " ".join(parts) or None


def tax_id(texts: Sequence[str]) -> str | None:
    """The first NIP, ИНН, VAT or GST number, as printed without its label."""
    for text in texts:
        if match := _TAX_ID.search(text):
            found = next(group for group in match.groups() if group)
            return " ".join(found.split())
    return None


def _full_name(brand: str, following: Row | None) -> str:
    """The brand, or the trading name it abbreviates on the legal-name row under it.

    "POLNA" over "MARKET POLNA Sp. z o.o." is the store "MARKET POLNA"; "KOSZYK" over
    "KOSZYK S.A." stays "KOSZYK"; a different operator's name ('ООО "Продторг"') is ignored.
    """
    if following is None or not _LEGAL_NAME.search(following.text):
        return brand
    stem = _clean(_LEGAL_NAME.sub(" ", _clean(following.text))).strip(" .,")
    longer = len(stem.casefold()) > len(brand.casefold())
    return stem if longer and stem.casefold().endswith(brand.casefold()) else brand


def _repeats(part: str, whole: str) -> bool:
    """Whether ``part`` is (nearly) contained in ``whole``: a logo repeating the name."""
    part, whole = part.replace(" ", "").upper(), whole.replace(" ", "").upper()
    blocks = SequenceMatcher(None, part, whole, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) >= _LOGO_OVERLAP * len(part)


def _company(rows: Sequence[Row], name_row: int) -> tuple[str, int, int] | None:
    """The issuing company of an English receipt: the first row of the name block that ends
    in a legal form, with the upper-case name rows right above it that it continues."""
    for end in range(name_row, min(name_row + _HEADER_ROWS, len(rows))):
        text = _clean(rows[end].text)
        if _END_OF_ADDRESS.search(text) or find_date(text, us_order=False):
            return None
        if not _COMPANY.search(text) or letters_in(text) < 2:
            continue
        parts, start = [text], end
        while start > name_row:
            above = _clean(rows[start - 1].text)
            upper = text.upper() == text and _NAME_PART.fullmatch(above)
            if not upper or not _reads_like_name(above) or _repeats(above, text):
                break
            parts.insert(0, above)
            start -= 1
        return " ".join(parts), start, end
    return None


def _branch(rows: Sequence[Row], name: str, name_row: int) -> tuple[str, int]:
    """The name, or a header row under it that extends it with the branch ("DOMINO'S PIZZA"
    over "DOMINO'S PIZZA TAMAN UNIVERSITI"), and its row; a legal name is not a branch, nor
    is a row that adds abbreviations only (an unfamiliar legal form: "MAZUREK Sp. k.")."""
    for position in range(name_row + 1, min(name_row + _HEADER_ROWS, len(rows))):
        text = _clean(rows[position].text)
        extends = len(text) > len(name) and text.upper().startswith(name.upper() + " ")
        adds_word = _FULL_WORD.search(text[len(name) :]) is not None
        if extends and adds_word and not _LEGAL_NAME.search(text) and _reads_like_name(text):
            return text, position
    return name, name_row


def read_header(rows: Sequence[Row], language: str | None = None) -> Header:
    """The store's name, address and tax number from the rows at the top of a receipt."""
    name_row = _name_row(rows)
    if name_row is None:
        return Header(None, None, None, tax_id([row.text for row in rows]))
    if language == "en" and (company := _company(rows, name_row)):
        name, start, end = company
        return Header(
            split_glued(_STRAY_LEAD.sub("", name)),
            start,
            _address(rows, end),
            tax_id([row.text for row in rows]),
        )
    following = rows[name_row + 1] if name_row + 1 < len(rows) else None
    printed = _GLUED_LEAD.sub("", _STRAY_LEAD.sub("", _clean(rows[name_row].text)))
    printed = _ZERO_IN_WORD.sub(_letter_o, _AFTER_QUOTE.sub("", printed))
    brand = _full_name(printed, following)
    name, last = _branch(rows, brand, name_row)
    if language == "en":
        name = split_glued(name)  # letter-spaced capitals read without their spaces
    return Header(name, name_row, _address(rows, last), tax_id([row.text for row in rows]))
