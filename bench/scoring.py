"""Scoring a ``ReceiptParse`` against an answer key, as the data sets' READMEs prescribe.

receipts-synth (``key/<id>.json`` with items): per-field exact match (merchant after NFC,
case-folding and collapsing whitespace; date; time; total as a decimal; currency; payment;
subtotal), items matched one-to-one (net amounts agree, names similar with a
``SequenceMatcher`` ratio ≥ 0.6, greedily by best similarity), and a strict variant (name equal
after normalising whitespace and case, quantity and line total equal).

SROIE (``key/<id>.json`` with company, date, address, total): Task 3 protocol (trimmed,
whitespace collapsed, upper-cased, exact) and the practical variants (total as a number, date
as ISO).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from foodscan.recognition.receipt.model import Item, ReceiptParse
from foodscan.recognition.receipt.when import find_date

NAME_SIMILARITY = 0.6


def norm(text: str | None) -> str:
    """NFC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def amount(text: str | None) -> Decimal | None:
    """A printed amount as a number: currency signs and codes dropped, a comma as a dot."""
    if text is None:
        return None
    cleaned = re.sub(r"[^\d.,-]", "", text).replace(",", ".")
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, norm(a), norm(b)).ratio()


def _net(item: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    total = amount(item.get("total"))
    discount = amount(item.get("discount")) or Decimal(0)
    return total, None if total is None else total - discount


def match_items(found: list[Item], expected: list[dict[str, Any]]) -> int:
    """How many items pair up one-to-one (README protocol), greedily by name similarity."""
    pairs = []
    for i, item in enumerate(found):
        got_total, got_net = _net(item.model_dump())
        for j, key in enumerate(expected):
            key_total, key_net = _net(key)
            if got_net is None or (got_net not in (key_net, key_total) and got_total != key_total):
                continue
            if (ratio := _similarity(item.name, key["name"])) >= NAME_SIMILARITY:
                pairs.append((ratio, i, j))
    used_found, used_key = set(), set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_found and j not in used_key:
            used_found.add(i)
            used_key.add(j)
    return len(used_found)


def match_items_strictly(found: list[Item], expected: list[dict[str, Any]]) -> int:
    """Items equal in name (normalised), quantity and line total, one-to-one."""
    left = [(norm(k["name"]), Decimal(str(k["quantity"])), amount(k["total"])) for k in expected]
    matched = 0
    for item in found:
        probe = (norm(item.name), Decimal(str(item.quantity)), amount(item.total))
        if probe in left:
            left.remove(probe)
            matched += 1
    return matched


def score_synth(found: ReceiptParse, key: dict[str, Any]) -> dict[str, Any]:
    """Per-field matches and item counts for one receipts-synth receipt."""
    items = match_items(found.items, key["items"])
    strict = match_items_strictly(found.items, key["items"])
    expected_subtotal = amount(key.get("subtotal"))
    return {
        "merchant": bool(key["merchant"]) and norm(found.merchant.name) == norm(key["merchant"]),
        "date": found.date == key["date"],
        "time": found.time == key["time"],
        "total": amount(found.total) == amount(key["total"]),
        "currency": found.currency == key["currency"],
        "payment": found.payment.method == key.get("payment"),
        "subtotal": amount(found.subtotal) == expected_subtotal,
        "items_found": len(found.items),
        "items_expected": len(key["items"]),
        "items_matched": items,
        "items_strict": strict,
        "items_all": items == len(key["items"]) == len(found.items),
        "items_all_strict": strict == len(key["items"]) == len(found.items),
        "consistent": found.reconciliation.status == "consistent",
    }


def _official(text: str | None) -> str:
    return " ".join((text or "").split()).upper()


def printed_date(texts: list[str], iso: str | None) -> str | None:
    """The printed date token that reads as ``iso`` (the official protocol compares those)."""
    if iso is None:
        return None
    token = re.compile(
        r"\d{1,4}[-./]\d{1,2}[-./]\d{2,4}|\d{1,2}\s?[A-Za-z]{3,9}\.?\s?\d{2,4}|[A-Za-z]{3,9}\s\d{1,2},?\s\d{4}"
    )
    for text in texts:
        for match in token.finditer(text):
            if find_date(match[0], us_order=False) == iso:
                return match[0]
    return None


def printed_total(texts: list[str], total: str | None) -> str | None:
    """The printed amount token, with its currency sign if printed, that reads as ``total``.

    A token on a row that says "total" wins over the same amount printed elsewhere (cash
    tendered, a tax table): the annotators copied the total's row.
    """
    if total is None:
        return None
    token = re.compile(r"(?:RM|MYR|\$|S\$)?\s?\d[\d,]*\.\d{2}(?!\d)", re.IGNORECASE)
    matches = [
        (not re.search(r"total", text, re.IGNORECASE), match[0].strip())
        for text in texts
        for match in token.finditer(text)
        if amount(match[0]) == amount(total)
    ]
    return min(matches, key=lambda m: m[0])[1] if matches else total


def score_sroie(found: ReceiptParse, key: dict[str, str], texts: list[str]) -> dict[str, Any]:
    """SROIE Task 3 (official) and practical matches for one receipt."""
    iso_key = find_date(key.get("date", ""), us_order=False)
    fields = {
        "company": (found.merchant.name, key.get("company")),
        "address": (found.merchant.address, key.get("address")),
        "date": (printed_date(texts, found.date), key.get("date")),
        "total": (printed_total(texts, found.total), key.get("total")),
    }
    official = {f: bool(k) and _official(p) == _official(k) for f, (p, k) in fields.items()}
    return {
        **{f"{f}": ok for f, ok in official.items()},
        "predicted": sum(p is not None for p, _ in fields.values()),
        "expected": sum(bool(k) for _, k in fields.values()),
        "total_number": amount(found.total) == amount(key.get("total")),
        "date_iso": iso_key is not None and found.date == iso_key,
        "company_casefold": norm(found.merchant.name) == norm(key.get("company")),
    }


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (for the character error rate)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
