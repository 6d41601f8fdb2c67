"""foodscan's food taxonomy: categories and brands, and finding them in text.

The data is ``data/food_taxonomy.json``, shipped in the package: categories in a shallow tree
(``milk`` under ``dairy``), each with names in English, Polish and Russian and keywords in those
languages and Swedish and German; and brands with their aliases, what they sell and the
product-line words that name them. Receipt items, recipe ingredients and product photos are all
matched against the one file.

Matching ignores case and diacritics (``MJOLK`` is ``mjölk``), tolerates OCR slips in longer
words (one edit in six to eight letters, two in nine to twelve, three beyond; never for a
word that is itself a keyword), reads Swedish and
German compounds by their head (the keyword ``-mjölk`` finds ``mellanmjölk``, and with one
slip ``MELLANMIOLK``) and joins a brand
split over up to three OCR lines (``GOD`` / ``MOR`` / ``GON``). Each piece of text carries a
weight (how prominent it is on the pack); a hit scores its keyword's length times that weight,
so the specific, large print wins. Loading reads one file, on first use; nothing else does I/O.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# A line of text and its weight (0 to 1; its prominence on the pack, 1 for plain text).
Weighted = tuple[str, float]

_FOLD = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "œ": "oe", "đ": "d"})
_WORD = re.compile(r"[^\W\d_]+")
_FUZZY = 0.8  # a hit through an OCR slip counts this much of an exact one
_LINE_BRAND = 0.6  # a product-line word names its brand less surely than the brand itself
_BRAND_BOOST = 1.5  # a category the found brand sells
_PACKED_PRODUCE = 0.2  # fruit words on a branded pack are mostly flavours
_BRAND_PRIOR = 3.0  # the brand's main category, when nothing else is said
_MAX_JOIN = 3


def normalize(text: str) -> str:
    """``text`` folded for matching: lower case, no diacritics (``Łaciate`` → ``laciate``)."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (letters only)."""
    return _WORD.findall(normalize(text))


def allowed_edits(length: int) -> int:
    """How many OCR slips a word of ``length`` letters may have and still match."""
    if length < 6:
        return 0
    if length <= 8:
        return 1
    return 2 if length <= 12 else 3


def within(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance of ``a`` and ``b`` is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


@dataclass(frozen=True, slots=True)
class Category:
    """A food category: its id, parent, names by language and whether it is loose produce."""

    id: str
    parent: str | None
    names: Mapping[str, str]
    produce: bool

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True, slots=True)
class Brand:
    """A brand: its display name, the categories it sells (main first) and its words."""

    name: str
    aliases: tuple[str, ...]
    categories: tuple[str, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A category id or brand name found in text, how strongly, and the words that did it."""

    id: str
    score: float
    evidence: str


@dataclass(frozen=True, slots=True)
class _Term:
    owner: str
    words: tuple[str, ...]
    head: bool  # a compound head: also matches words that end in it
    weight: float = 1.0

    @property
    def compact(self) -> str:
        return "".join(self.words)


def _term(owner: str, keyword: str, weight: float = 1.0) -> _Term | None:
    head = keyword.startswith("-")
    found = tuple(words(keyword.removeprefix("-")))
    return _Term(owner, found, head and len(found) == 1, weight) if found else None


def _word_quality(term: str, word: str, head: bool, known: frozenset[str]) -> float:
    if word == term or (head and word.endswith(term)):
        return 1.0
    if word in known:  # read exactly as another keyword: not a misspelling of this one
        return 0.0
    limit = allowed_edits(len(term))
    if limit and within(term, word, limit):
        return _FUZZY
    if head and len(term) >= 5 and len(word) > len(term) and within(term, word[-len(term) :], 1):
        return _FUZZY
    return 0.0


def _quality(term: _Term, line_words: Sequence[str], known: frozenset[str]) -> float:
    """How well ``term`` occurs in one line's words: 1 exact, ``_FUZZY`` through a slip, 0.

    ``known``: every one-word keyword, which a fuzzy match must not be.
    """
    if len(term.words) == 1:
        return max(
            (_word_quality(term.words[0], w, term.head, known) for w in line_words), default=0
        )
    n = len(term.words)
    if any(tuple(line_words[i : i + n]) == term.words for i in range(len(line_words) - n + 1)):
        return 1.0
    compact = "".join(line_words)
    if term.compact in compact:
        return 1.0
    return _FUZZY if within(term.compact, compact, allowed_edits(len(term.compact))) else 0.0


def _joined(lines: Sequence[Weighted]) -> Iterable[tuple[str, float]]:
    """Runs of two and three consecutive lines glued into one word (a brand split by OCR)."""
    split = [("".join(words(text)), weight) for text, weight in lines]
    for size in range(2, _MAX_JOIN + 1):
        for start in range(len(split) - size + 1):
            run = split[start : start + size]
            if all(text for text, _ in run):
                yield "".join(text for text, _ in run), max(weight for _, weight in run)


class Taxonomy:
    """Categories and brands, and the matchers over them."""

    def __init__(self, data: Mapping[str, Any]) -> None:  # Any: the parsed JSON document
        self.categories: dict[str, Category] = {}
        self._category_terms: list[_Term] = []
        for item in data["categories"]:
            category = Category(
                item["id"], item.get("parent"), dict(item["names"]), bool(item.get("produce"))
            )
            self.categories[category.id] = category
            for keyword in [category.names["en"], *_all_keywords(item.get("keywords", {}))]:
                if (term := _term(category.id, keyword)) is not None:
                    self._category_terms.append(term)
        for category in self.categories.values():
            if category.parent is not None and category.parent not in self.categories:
                raise ValueError(f"category {category.id}: unknown parent {category.parent}")
        self.brands: dict[str, Brand] = {}
        self._brand_terms: list[_Term] = []
        for item in data["brands"]:
            brand = Brand(
                item["name"],
                tuple(item.get("aliases", [])) or (item["name"],),
                tuple(item.get("categories", [])),
                tuple(item.get("lines", [])),
            )
            self.brands[brand.name] = brand
            terms = [_term(brand.name, a) for a in brand.aliases]
            terms += [_term(brand.name, line, _LINE_BRAND) for line in brand.lines]
            self._brand_terms += [t for t in terms if t is not None]
        self._known = frozenset(
            t.words[0] for t in self._category_terms + self._brand_terms if len(t.words) == 1
        )

    def ancestors(self, category_id: str) -> tuple[str, ...]:
        """``category_id`` and its parents, the category first (``milk``, ``dairy``)."""
        chain = []
        current: str | None = category_id
        while current is not None:
            chain.append(current)
            current = self.categories[current].parent
        return tuple(chain)

    def brands_in(self, lines: Sequence[Weighted]) -> list[Hit]:
        """The brands named in ``lines``, strongest first."""
        scores: dict[str, float] = {}
        evidence: dict[str, str] = {}

        def add(term: _Term, quality: float, weight: float) -> None:
            score = quality * term.weight * weight * len(term.compact)
            scores[term.owner] = scores.get(term.owner, 0.0) + score
            evidence.setdefault(term.owner, " ".join(term.words))

        for text, weight in lines:
            line_words = words(text)
            named = set()  # a brand counts once per line
            for term in self._brand_terms:
                if term.owner not in named and (
                    quality := _brand_quality(term, line_words, self._known)
                ):
                    add(term, quality, weight)
                    named.add(term.owner)
        for glued, weight in _joined(lines):
            for term in self._brand_terms:
                limit = allowed_edits(len(term.compact))
                if len(term.compact) >= 6 and within(term.compact, glued, limit):
                    add(term, _FUZZY, weight)
        return _ranked(scores, evidence)

    def categories_in(self, lines: Sequence[Weighted], brand: Brand | None = None) -> list[Hit]:
        """The categories ``lines`` speak of, strongest first; ``brand`` (found on the same
        pack) favours what it sells. Beside a brand or a product word, fruit and vegetable
        words count as flavours (a fifth)."""
        scores: dict[str, float] = {}
        evidence: dict[str, str] = {}
        for text, weight in lines:
            line_words = words(text)
            best: dict[str, tuple[float, str]] = {}  # a category counts once per line
            for term in self._category_terms:
                score = _quality(term, line_words, self._known) * weight * len(term.compact)
                if score > best.get(term.owner, (0.0, ""))[0]:
                    best[term.owner] = (score, " ".join(term.words))
            for owner, (score, said) in best.items():
                scores[owner] = scores.get(owner, 0.0) + score
                evidence.setdefault(owner, said)
        sells = set(brand.categories) if brand is not None else set()
        # On a branded pack, or beside a product word ("sok pomarańczowy", "apple juice"),
        # fruit and vegetable words say the flavour, not what the product is.
        packed = brand is not None or any(not self.categories[c].produce for c in scores)
        for category_id in scores:
            if sells & set(self.ancestors(category_id)):
                scores[category_id] *= _BRAND_BOOST
            elif packed and self.categories[category_id].produce:
                scores[category_id] *= _PACKED_PRODUCE
        if brand is not None and brand.categories and brand.categories[0] not in scores:
            scores[brand.categories[0]] = _BRAND_PRIOR
            evidence[brand.categories[0]] = brand.name
        return _ranked(scores, evidence, depth=lambda c: len(self.ancestors(c)))

    def classify(self, text: str) -> Category | None:
        """The category of one name (a receipt item, an ingredient), or ``None``."""
        found = self.categories_in([(text, 1.0)])
        return self.categories[found[0].id] if found else None


def _brand_quality(term: _Term, line_words: Sequence[str], known: frozenset[str]) -> float:
    if len(term.words) == 1 and len(term.compact) <= 4:
        # Short brands (Arla, ICA) must be exact, alone or glued to OCR noise ("CArla").
        word = term.compact
        return (
            1.0 if any(w == word or (w.endswith(word) and len(w) <= 6) for w in line_words) else 0
        )
    return _quality(term, line_words, known)


def _ranked(
    scores: Mapping[str, float],
    evidence: Mapping[str, str],
    depth: Callable[[str], int] | None = None,
) -> list[Hit]:
    def key(item: tuple[str, float]) -> tuple[float, int]:
        return (-round(item[1], 6), -(depth(item[0]) if depth else 0))

    ordered = sorted(scores.items(), key=key)
    return [Hit(owner, round(score, 4), evidence[owner]) for owner, score in ordered]


def _all_keywords(by_language: Mapping[str, Sequence[str]]) -> list[str]:
    return [keyword for keywords in by_language.values() for keyword in keywords]


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy in ``path``, or the one shipped in the package (read once, then cached)."""
    if path is None:
        return _shipped()
    return Taxonomy(json.loads(path.read_text(encoding="utf-8")))


@cache
def _shipped() -> Taxonomy:
    text = resources.files("foodscan.recognition").joinpath("data/food_taxonomy.json")
    return Taxonomy(json.loads(text.read_text(encoding="utf-8")))
