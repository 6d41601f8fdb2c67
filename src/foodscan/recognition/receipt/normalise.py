"""OCR text made fit to parse, per language: typographic quotes, noise at the row edges, letters
confused across scripts.

Tesseract reads the paper's edge and the table beside it as stray marks and letters at both ends
of a row ("я 5 ИП Сафронова Е.В. {"); RapidOCR writes Cyrillic as Latin look-alikes, and Tesseract
mixes the two in one word ("COK ЯБЛОЧНЫЙ"); Polish diacritics come back as their foreign cousins
(Ñ for Ń). This module undoes that and nothing else: it never changes a digit of an amount.
"""

# Cyrillic letters are meant, not Latin look-alikes:
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from foodscan.recognition.receipt.rows import CELL_SEPARATOR, Row

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})
# A token with no letter or digit, other than one sign that means something (* @ × = % - +,
# a currency sign).
_MARK = r"(?![*@×=%£$€+\-](?:\s|$))[^\w\s]+"
_LEAD_MARKS = re.compile(rf"^(?:{_MARK}\s+)+(?=\S)")
_TRAIL_MARKS = re.compile(rf"(?:\s+{_MARK})+$")
# On a Cyrillic page, a lone letter or a lowercase pair at a row's edge is noise (a one-letter
# Russian word does not open or close a receipt row; a multiplication х is kept).
_LEAD_LETTERS = re.compile(
    # Not a count the OCR read as a letter before its multiplication sign ("бх 11.00").
    r"^(?![Ззб]\s?[xхX×*]\s?\d)(?:(?:[А-ЯЁа-яё](?![.\w])(?<![хХ])|[а-яё]{2}(?![.\w]))\s+){1,2}(?=\S)"
)
_TRAIL_LETTERS = re.compile(r"(?:\s+[а-яё]){1,2}$")
# A legal form after noise: "2—3 000 "ЛАДА-ТОРГ"", "Г. 000 "ВКУСНЫЙ ДОМ"".
_NOISE_BEFORE_LEGAL = re.compile(r'^\S{1,4}\s+(?=(?:ООО|000|ОАО|ЗАО|ПАО|АО|ИП)\s+["A-ЯЁ])')
_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXYaceopxy", "АВСЕНКМОРТХУасеорху")
_LOOKALIKE_WORD = re.compile(r"\b[ABCEHKMOPTXY]{2,}\b")
_MIXED_WORD = re.compile(r"\b\w*[А-Яа-яЁё]\w*\b")
_TO_POLISH = str.maketrans("ÑñŽžŠšČč", "ŃńŻżŚśĆć")


def _cyrillic_word(match: re.Match[str]) -> str:
    return match[0].translate(_TO_CYRILLIC)


def _russian(text: str) -> str:
    text = _NOISE_BEFORE_LEGAL.sub("", _LEAD_LETTERS.sub("", _NOISE_BEFORE_LEGAL.sub("", text)))
    text = _TRAIL_LETTERS.sub("", text)
    text = _LOOKALIKE_WORD.sub(_cyrillic_word, text)
    text = _MIXED_WORD.sub(_cyrillic_word, text)
    text = re.sub(r"(?<=\d)r\b", "г", text)  # "400r" is 400г
    return re.sub(r"^000(?=\s+\")", "ООО", text)  # zeros for the legal form ООО


def normalise_text(text: str, language: str | None) -> str:
    """One row's text with quotes, edge noise and cross-script letters set right."""
    text = re.sub(r'"{2,}', '"', text.translate(_QUOTES))  # one quote read twice
    text = _TRAIL_MARKS.sub("", _LEAD_MARKS.sub("", text)).strip()
    if language == "ru":
        return _russian(text)
    if language == "pl":
        return text.translate(_TO_POLISH)
    return text


def normalise_rows(rows: Sequence[Row], language: str | None) -> list[Row]:
    """The rows with their text normalised (see ``normalise_text``); empty rows dropped."""
    cleaned = []
    for row in rows:
        text = normalise_text(row.text, language)
        cells = tuple(c.strip() for c in text.split(CELL_SEPARATOR) if c.strip())
        if cells:
            cleaned.append(dataclasses.replace(row, cells=cells))
    return cleaned
