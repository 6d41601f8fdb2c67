"""Repairs of the OCR misreads a recipe page makes common, applied to OCR'd lines only.

Measured on the rendered photos of the recipe development set (``bench/eval_recipes.py``):
RapidOCR reads "lb" after an amount as "Ib", and the small fractions "¼" and "¾" as "½4" and
"³4". None of these spellings is ever meant, so each repair is safe; the misreads that are
words ("½" for "¼") are left alone, because the text cannot tell them apart.
"""

from __future__ import annotations

import re

_REPAIRS = (
    (re.compile(r"(?<=\d)(\s?)Ib(s?)\b"), r"\1lb\2"),
    (re.compile(r"½4"), "¼"),
    (re.compile(r"³4"), "¾"),
)


def repair_line(text: str) -> str:
    """``text`` with the known OCR misreads undone."""
    for pattern, replacement in _REPAIRS:
        text = pattern.sub(replacement, text)
    return text
