"""Polish and Russian ingredient lines, by our own small grammar.

An amount is a number ("2", "1,5", "1.5"), a fraction ("1/2", "½", "1 1/2", "1 i 1/2", "1½"),
a word ("pół", "półtorej", "пол", "полтора") or a range of two ("2-3", "2 do 3", "от 2 до 3");
a unit is one of ``units.LOCAL_UNIT`` with its inflections ("łyżki", "ст. л.", "25г"). The
amount comes first ("2 łyżki mąki") or after the name, Russian style ("мука - 200 г").
Whatever the amount and unit leave is the name; words of preparation ("posiekany",
"мелко нарезанный") and notes ("do smaku", "по вкусу", parentheses) are taken out of it.
"""

# ruff: noqa: RUF001, RUF002 - Polish and Russian words are the point of this module

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from foodscan.recognition.recipe.units import LOCAL_UNIT, local_unit

_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅛": "1/8", "⅜": "3/8",
           "⅝": "5/8", "⅞": "7/8", "⅕": "1/5", "⅙": "1/6"}  # fmt: skip
_WORDS = {"pół": Fraction(1, 2), "półtorej": Fraction(3, 2), "półtora": Fraction(3, 2),
          "ćwierć": Fraction(1, 4), "пол": Fraction(1, 2), "полтора": Fraction(3, 2),
          "полторы": Fraction(3, 2), "четверть": Fraction(1, 4)}  # fmt: skip
_NUM = r"\d+(?:[.,]\d+)?"
_FRAC = r"\d+\s*/\s*\d+"
_ONE = rf"(?:\d+\s*(?:(?:i|и|and)\s+)?{_FRAC}|{_FRAC}|{_NUM}|" + "|".join(_WORDS) + ")"
_AMOUNT = re.compile(
    rf"(?:(?:ok\.|około|okolo|ca\.|примерно|около|~)\s*)?(?:от\s+)?(?P<low>{_ONE})"
    rf"(?:\s*(?:-|–|—|do|lub|albo|до|или)\s*(?P<high>{_ONE})(?![\d/]))?",
    re.IGNORECASE,
)
_LEAD = re.compile(rf"^\s*{_AMOUNT.pattern}(?![\d/])\s*(?:x\s*)?", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s+[-–—:]\s*|\s*[–—:]\s+|\s-(?=\d)")
_NOTES = re.compile(
    r"\b(?:do smaku|według uznania|wg uznania|opcjonalnie|do podania|do dekoracji|do posypania"
    r"|по вкусу|по желанию|для подачи|для украшения|на кончике ножа)\b",
    re.IGNORECASE,
)
_PREP = re.compile(
    r"^(?:drobno|grubo|cienko|świeżo|posiekan\w*|pokrojon\w*|start\w*|utart\w*|obran\w*"
    r"|roztopion\w*|rozpuszczon\w*|ugotowan\w*|namoczon\w*|mielon\w*|przesian\w*|zmielon\w*"
    r"|мелко|крупно|тонко|свеже\w*|нарезан\w*|порезан\w*|измельч[её]нн\w*|натерт\w*|натёрт\w*"
    r"|рублен\w*|очищенн\w*|растоплен\w*|растаявш\w*|молот\w*|отварн\w*|варен\w*)$",
    re.IGNORECASE,
)
_TRAIL = re.compile(rf"\s{_AMOUNT.pattern}\s*{LOCAL_UNIT.pattern}\s*$", re.IGNORECASE)
_PARENS = re.compile(r"\s*\([^()]*\)")


@dataclass(frozen=True)
class LocalParse:
    """What the grammar read from one line."""

    quantity: Fraction | None
    quantity_max: Fraction | None
    unit: str | None
    name: str | None
    preparation: str | None
    comment: str | None
    confidence: float


def amount(text: str) -> Fraction | None:
    """The value of one amount ("1 1/2", "1,5", "½", "pół"), or ``None``."""
    value = text.strip().lower()
    for char, frac in _VULGAR.items():
        value = value.replace(char, f" {frac}")
    if value in _WORDS:
        return _WORDS[value]
    total = Fraction(0)
    parts = re.findall(rf"{_FRAC}|{_NUM}", value)
    if not parts:
        return None
    for part in parts:
        if "/" in part:
            top, bottom = (int(x) for x in part.split("/"))
            if bottom == 0:
                return None
            total += Fraction(top, bottom)
        else:
            total += Fraction(part.replace(",", "."))
    return total


def _normalise(text: str) -> str:
    for char, frac in _VULGAR.items():
        text = re.sub(rf"(\d){char}", rf"\1 {frac}", text).replace(char, frac)
    return text


def _unit_at(text: str) -> tuple[str | None, str]:
    """A unit at the start of ``text`` and what follows it."""
    found = LOCAL_UNIT.match(text)
    if found is None:
        return None, text
    return local_unit(found), text[found.end() :].lstrip(" .")


def _split_notes(text: str) -> tuple[str, list[str]]:
    """``text`` without parenthesised notes, note phrases and footnote marks; the notes."""
    notes = [m.strip() for m in _PARENS.findall(text)]
    text = _PARENS.sub("", text)
    for found in _NOTES.finditer(text):
        notes.append(found.group(0))
    text = _NOTES.sub("", text)
    if "*" in text:
        notes.append("*")
        text = text.replace("*", "")
    return text, notes


def _split_preparation(name: str) -> tuple[str, str | None]:
    words = name.split()
    prep = [w for w in words if _PREP.match(w.strip(",.;"))]
    rest = [w for w in words if not _PREP.match(w.strip(",.;"))]
    if not prep or not rest:
        return name, None
    return " ".join(rest), " ".join(w.strip(",.;") for w in prep)


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:-–—.") if text else ""


def _tail(line: str) -> tuple[str, str] | None:
    """Russian style: "name - amount unit rest" split at the last separator before an amount."""
    for found in reversed(list(_SEPARATOR.finditer(line))):
        after = line[found.end() :]
        if _LEAD.match(after) or _NOTES.match(after.strip()) or LOCAL_UNIT.match(after):
            return line[: found.start()], after
    return None


def _read_amount(text: str) -> tuple[Fraction | None, Fraction | None, str | None, str]:
    """An amount and unit at the start of ``text`` (a bare unit counts as 1), and the rest."""
    lead = _LEAD.match(text)
    low = high = None
    rest = text
    if lead is not None:
        low = amount(lead.group("low"))
        high = amount(lead.group("high")) if lead.group("high") else None
        rest = text[lead.end() :]
    unit, rest = _unit_at(rest)
    if low is None and unit is not None:
        low = Fraction(1)
    if low is None:
        return None, None, None, text
    return low, high, unit, rest


def _trailing(text: str) -> tuple[str, Fraction | None, Fraction | None, str | None] | None:
    """An amount and unit that end the line without a separator ("молоко 500 мл")."""
    found = _TRAIL.search(text)
    if found is None:
        return None
    high = amount(found.group("high")) if found.group("high") else None
    return text[: found.start()], amount(found.group("low")), high, local_unit(found)


def parse_local(line: str) -> LocalParse:
    """Read a Polish or Russian ingredient line."""
    text = _normalise(line.strip())
    low, high, unit, rest = _read_amount(text)
    extra = ""
    if low is None and (split := _tail(text)) is not None:
        rest, after = split
        low, high, unit, extra = _read_amount(after)
    elif low is None and (trail := _trailing(text)) is not None:
        rest, low, high, unit = trail
    rest, notes = _split_notes(rest)
    extra, extra_notes = _split_notes(extra)
    extra = _tidy(extra)
    prep_after = None
    if extra and _PREP.match(extra.split()[0]):
        prep_after = extra
    elif extra:
        extra_notes.insert(0, extra)
    name, prep = _split_preparation(_tidy(rest))
    name = _tidy(re.sub(r"^(?:of|z|ze)\s+", "", name, flags=re.IGNORECASE))
    comment = ", ".join(n.strip("()") for n in notes + extra_notes) or None
    preparation = ", ".join(p for p in (prep, prep_after) if p) or None
    confidence = 0.9 if low is not None and name else 0.75 if name else 0.4
    return LocalParse(low, high, unit, name or None, preparation, comment, confidence)
