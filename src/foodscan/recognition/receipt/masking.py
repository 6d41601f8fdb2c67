"""Masks payment card numbers in recognised text: all digits but the last four become ``*``.

A card number is 15 to 19 digits (spaces or dashes allowed between groups) that pass the Luhn
check, so a fiscal number or barcode is masked only when it happens to pass it too (1 in 10).
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<![\d*])\d(?:[ -]?\d){14,18}(?![\d*])")
_KEEP = 4


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if not luhn_valid(digits):
        return text
    hide = len(digits) - _KEEP
    out: list[str] = []
    for char in text:
        if char.isdigit() and hide > 0:
            out.append("*")
            hide -= 1
        else:
            out.append(char)
    return "".join(out)


def mask_card_numbers(text: str) -> str:
    """``text`` with every card number masked: ``4111 1111 1111 1111`` → ``**** … 1111``."""
    return _CANDIDATE.sub(_mask, text)
