"""The shape of a recipe written as text: title, yields, times, ingredient groups, steps.

Works on lines, whatever they were read from (a text or Markdown file, a page's visible text,
a DOCX, a PDF's text layer, OCR). Section headers are recognised in English, Polish and Russian
("Ingredients", "Składniki", "Ингредиенты"…). Lines wrapped by a page (PDF, photo) are joined
again: in a bulleted or numbered list a line without its own bullet or number continues the one
before. A text without headers is split by what its lines look like (amounts first, sentences
after). The result is a ``RecipeDraft``; ingredient lines are parsed elsewhere.
"""

# ruff: noqa: RUF001 - Polish and Russian words are the point of this module

from __future__ import annotations

import re
from dataclasses import dataclass, field

from foodscan.recognition.recipe.durations import iso_duration

_HEADING_MARK = re.compile(r"^\s*(?:#{1,6}\s+|>\s*)")
# Paired Markdown emphasis only: a lone trailing "*" is the recipe's own footnote mark.
_EMPHASIS = re.compile(
    r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"
)
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪◦●○□☐✓✔]|\[[ xX]?\])\s+")
_NUMBER = re.compile(r"^\s*(?:(?:step|krok|шаг)\s*)?(\d{1,2})\s*(?:[.):]|\s-)\s*(?=\S)", re.I)
_STEP_WORD = re.compile(r"^\s*(?:step|krok|шаг)\s*\d{1,2}\s*$", re.IGNORECASE)
_INGREDIENTS = (
    r"ingredients?|ingredient list|what you(?:'|’)?ll need|you will need|składniki|skladniki"
    r"|ингредиенты|продукты|необходимые продукты|состав"
)
_STEPS = (
    r"instructions?|directions?|method|preparation|steps|how to make(?: it)?|przygotowanie"
    r"|sposób przygotowania|sposob przygotowania|wykonanie|приготовление|способ приготовления"
    r"|инструкция|как приготовить"
)
_END = (
    r"notes?|recipe notes|tips?|nutrition(?: facts| information)?|uwagi|wskazówki|porady"
    r"|примечани[ея]|советы|пищевая ценность"
)
_FOR = r"(?:\s+(?:for|na|do|для)\s+(?P<purpose>.{1,60}))?"


def _header(words: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{words}){_FOR}\s*:?$", re.IGNORECASE)


_ING_HEADER = _header(_INGREDIENTS)
_STEP_HEADER = _header(_STEPS)
_END_HEADER = _header(_END)
_YIELDS = re.compile(
    r"^(?:servings?|serves|yields?|makes|portions?|porcje|porcji|ilość porcji|liczba porcji"
    r"|wydajność|порци[ийя]|количество порций|выход)"
    # A separator, or a number next ("Serves 4"): "Portion the dough" is a step, not a yield.
    r"(?:\s*[:\-–]\s*|\s+(?=(?:about|approx\.?|up to|około|ok\.|около)?\s*\d))(?P<value>\S.*)$",
    re.IGNORECASE,
)
_TIMES = {
    "prep": r"prep(?:aration)?(?: time)?|czas przygotowania|przygotowanie|время подготовки"
    r"|подготовка",
    "cook": r"cook(?:ing)?(?: time)?|bake time|czas (?:gotowania|pieczenia)"
    r"|время (?:готовки|варки|запекания)",
    "total": r"total(?: time)?|ready in|czas całkowity|czas|время приготовления|общее время"
    r"|время",
}
_TIME = re.compile(
    r"^(?:(?P<prep>"
    + _TIMES["prep"]
    + r")|(?P<cook>"
    + _TIMES["cook"]
    + r")|(?P<total>"
    + _TIMES["total"]
    + r"))\s*:\s*(?P<value>\S.*)$",
    re.IGNORECASE,
)
_STARTS_WITH_AMOUNT = re.compile(r"^\s*(?:\d|[½⅓⅔¼¾⅛⅜⅝⅞]|pół|пол)", re.IGNORECASE)
_GROUP_FOR = re.compile(r"^(?:for the|for|na|do|для)\s+\S", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", "…")
_JOINERS = (",", "(", "-", "–", "&", "/")
_JOINER_WORDS = frozenset(
    {"and", "with", "or", "of", "the", "i", "z", "ze", "oraz", "lub", "и", "с"}
)


@dataclass(frozen=True)
class DraftGroup:
    """A run of ingredient lines under one sub-heading (``purpose`` ``None`` when untitled)."""

    purpose: str | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class RecipeDraft:
    """A recipe's parts as written, before its ingredient lines are parsed."""

    title: str | None
    yields: str | None
    groups: tuple[DraftGroup, ...]
    steps: tuple[str, ...]
    times: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    url: str | None = None

    @property
    def ingredients(self) -> list[str]:
        return [line for group in self.groups for line in group.lines]


def clean(line: str) -> str:
    """One line without Markdown emphasis or heading marks, its whitespace collapsed."""
    text = _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), line)
    return " ".join(_HEADING_MARK.sub("", text).split())


def _is_header(line: str) -> bool:
    text = clean(line)
    return any(p.match(text) for p in (_ING_HEADER, _STEP_HEADER, _END_HEADER))


def _is_meta(line: str) -> bool:
    text = clean(line)
    return bool(_YIELDS.match(text) or _TIME.match(text))


@dataclass
class _Reader:
    lines: list[str]
    yields: str | None = None
    times: dict[str, str] = field(default_factory=dict)

    def meta(self, line: str) -> bool:
        """Record a yields or time line; whether it was one."""
        text = clean(line)
        if found := _YIELDS.match(text):
            self.yields = self.yields or found.group("value").strip()
            return True
        if found := _TIME.match(text):
            kind = next(k for k in ("prep", "cook", "total") if found.group(k))
            if (value := iso_duration(found.group("value"))) is not None:
                self.times.setdefault(kind, value)
                return True
        return False


def _title(lines: list[str]) -> str | None:
    """The first line that is not metadata or a header, with lines that continue it."""
    parts: list[str] = []
    for raw in lines:
        text = clean(raw)
        if not text:
            if parts:
                break
            continue
        if _is_header(text) or _is_meta(text) or _BULLET.match(raw):
            break
        if parts and not _continues(parts[-1], text):
            break
        parts.append(text)
        if len(" ".join(parts)) > 200:
            break
    return " ".join(parts) or None


def _continues(previous: str, text: str) -> bool:
    """Whether ``text`` is the wrapped rest of ``previous`` (a page broke the line)."""
    if previous.endswith(_SENTENCE_END) or previous.endswith(":"):
        return False
    last = previous.rsplit(" ", 1)[-1].lower()
    opened = previous.count("(") > previous.count(")")
    return opened or previous.endswith(_JOINERS) or last in _JOINER_WORDS or text[:1].islower()


def _items(lines: list[str], numbered: bool) -> list[str]:
    """List items: a bullet (or a number) starts one, a line without continues it."""
    marker = _NUMBER if numbered else _BULLET
    items: list[str] = []
    for raw in lines:
        if _STEP_WORD.match(raw):
            items.append("")  # "Step 1" on a line of its own: the text follows
            continue
        found = marker.match(raw)
        text = clean(raw[found.end() :] if found else raw)
        if found or not items:
            items.append(text)
        else:
            items[-1] = f"{items[-1]} {text}".strip()
    return [item for item in items if item]


def _marked(lines: list[str], marker: re.Pattern[str]) -> bool:
    """Whether ``lines`` are a marked list: the first is marked, or a good share of them (a
    list whose items wrap has more unmarked lines than marked ones)."""
    marks = sum(bool(marker.match(line)) for line in lines)
    return bool(lines) and (bool(marker.match(lines[0])) or marks >= max(2, 0.3 * len(lines)))


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _group_name(line: str) -> str | None:
    """The purpose of a sub-heading inside the ingredient list ("For the sauce:"), or ``None``."""
    text = clean(line)
    if _BULLET.match(line) or len(text) > 60 or _STARTS_WITH_AMOUNT.match(text):
        return None
    if found := _ING_HEADER.match(text):
        return found.group("purpose") or ""
    if text.endswith(":"):
        return text.rstrip(":").strip()
    if _GROUP_FOR.match(text) and len(text.split()) <= 5 and not any(c in text for c in ",."):
        return text
    return None


def ingredient_groups(lines: list[str]) -> list[DraftGroup]:
    """The ingredient section's lines as groups: sub-headings split it, wrapped lines join."""
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        if not line.strip():
            continue
        purpose = _group_name(line)
        if purpose is not None:
            groups.append((purpose or None, []))
        else:
            groups[-1][1].append(line)
    out = []
    for purpose, members in groups:
        bulleted = _marked(members, _BULLET)
        items = _items(members, numbered=False) if bulleted else [clean(m) for m in members]
        if items:
            out.append(DraftGroup(purpose, tuple(i for i in items if i)))
    return out


def steps_of(lines: list[str]) -> list[str]:
    """The method's steps: numbered or bulleted items, else paragraphs, else lines."""
    filled = [line for line in lines if line.strip()]
    if not filled:
        return []
    if _marked(filled, _NUMBER) or any(_STEP_WORD.match(line) for line in filled):
        return _items(filled, numbered=True)
    if _marked(filled, _BULLET):
        return _items(filled, numbered=False)
    blocks = _blocks(lines)
    if len(blocks) > 1:
        return [" ".join(clean(line) for line in block) for block in blocks]
    steps: list[str] = []
    for line in filled:
        text = clean(line)
        if steps and _continues(steps[-1], text):
            steps[-1] = f"{steps[-1]} {text}"
        else:
            steps.append(text)
    return steps


def _sections(lines: list[str]) -> tuple[int | None, int | None, int]:
    """Indices of the ingredients header, the steps header and where the recipe ends."""
    ing = step = None
    end = len(lines)
    for index, line in enumerate(lines):
        text = clean(line)
        if ing is None and step is None and _ING_HEADER.match(text):
            ing = index
        elif step is None and _STEP_HEADER.match(text) and (ing is not None or index > 0):
            step = index
        elif step is not None and _END_HEADER.match(text):
            end = index
            break
    return ing, step, end


def _guess_split(body: list[str]) -> tuple[list[str], list[str]]:
    """Without headers: the leading run of amount-or-bullet lines are the ingredients."""
    filled = [line for line in body if line.strip()]
    cut = 0
    for index, line in enumerate(filled):
        text = clean(line)
        short = len(text) <= 80 and not text.endswith(_SENTENCE_END)
        amount_first = bool(_STARTS_WITH_AMOUNT.match(text) or _BULLET.match(line))
        # An ingredient without an amount ("salt") may follow ones with.
        if short and (amount_first or (cut and index == cut)):
            cut = index + 1
        elif cut or len(text) > 80:
            break
    return filled[:cut], filled[cut:]


def _header_purpose(line: str) -> str | None:
    found = _ING_HEADER.match(clean(line))
    return found.group("purpose") if found else None


def _drop_title(lines: list[str], title: str | None) -> list[str]:
    """The lines after the title's own lines (the title may span several)."""
    words = (title or "").split()
    out = list(lines)
    while out and words:
        first = clean(out[0]).split()
        if not first:
            out.pop(0)
            continue
        if first != words[: len(first)]:
            break
        words = words[len(first) :]
        out.pop(0)
    return out


def find_structure(text_lines: list[str]) -> RecipeDraft:
    """Read a recipe's parts from its lines."""
    lines = [line.rstrip() for line in text_lines]
    reader = _Reader(lines)
    ing, step, end = _sections(lines)
    head_end = min(i for i in (ing, step, end) if i is not None)
    title = _title(lines[:head_end])
    for line in lines[: step if step is not None else end]:  # a step may say "serves 4"
        reader.meta(line)
    if ing is not None:
        ing_lines = lines[ing + 1 : step if step is not None else end]
        step_lines = lines[step + 1 : end] if step is not None else []
    else:
        body = [
            line
            for line in _drop_title(lines[: step if step is not None else end], title)
            if not _is_meta(line)
        ]
        if step is not None:
            ing_lines, step_lines = body, lines[step + 1 : end]
        else:
            ing_lines, step_lines = _guess_split(body)
    ing_lines = [line for line in ing_lines if not _is_meta(line) and not _is_header(line)]
    groups = ingredient_groups(ing_lines)
    purpose = _header_purpose(lines[ing]) if ing is not None else None
    if purpose and groups and groups[0].purpose is None:
        groups[0] = DraftGroup(purpose, groups[0].lines)
    return RecipeDraft(
        title=title,
        yields=reader.yields,
        groups=tuple(groups),
        steps=tuple(steps_of(step_lines)),
        times=reader.times,
    )
