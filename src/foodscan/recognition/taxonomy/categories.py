"""foodscan's food taxonomy: categories and brands, and finding them in text.

The data is ``food_taxonomy.json`` beside this module, shipped in the package: categories in a
shallow tree (``milk`` under ``dairy``), each with names in English, Polish and Russian and
keywords in those languages and Swedish and German; and brands with their aliases, what they
sell and the product-line words that name them. Receipt items, recipe ingredients and product
photos are all matched against the one file.

Matching ignores case and diacritics (``MJOLK`` is ``mjölk``), tolerates OCR slips in longer
words (one edit in six to eight letters, two in nine to twelve, three beyond; never for a
word that is itself a keyword), reads Swedish and
German compounds by their head (the keyword ``-mjölk`` finds ``mellanmjölk``, and with one
slip ``MELLANMIOLK``), meets English, Polish and Russian keywords in their other forms through
their stems (``ogórków`` is ``ogórek``, ``сливочного масла`` is ``сливочное масло``; see
``recognition.stems``) and joins a brand
split over up to three OCR lines (``GOD`` / ``MOR`` / ``GON``). Each piece of text carries a
weight (how prominent it is on the pack); a hit scores its keyword's length times that weight,
so the specific, large print wins. A keyword written ``~word`` is a modifier (an adjective such as
``куриное`` or ``mielone``): it names its category alone but counts a fraction beside a noun.
``hits`` gives every keyword found in one name with its word positions, for rankings of their
own (``recognition.enrich.categorise``). Loading reads one file, on first use; nothing else does
I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from foodscan.recognition.taxonomy.terms import (
    FUZZY,
    Line,
    Term,
    TermHit,
    allowed_edits,
    make_term,
    match,
    within,
    words,
)

# A line of text and its weight (0 to 1; its prominence on the pack, 1 for plain text).
Weighted = tuple[str, float]

_LINE_BRAND = 0.6  # a product-line word names its brand less surely than the brand itself
_BRAND_BOOST = 1.5  # a category the found brand sells
_PACKED_PRODUCE = 0.2  # fruit words on a branded pack are mostly flavours
_BRAND_PRIOR = 3.0  # the brand's main category, when nothing else is said
_MAX_JOIN = 3
MODIFIER = 0.3  # a modifier keyword (``~куриное``) beside a noun counts this much
_HEAD = 1.25  # a name's head word: the last in English, the first in Polish and Russian
_SLIP = 0.6  # in a name, a hit through an OCR slip ("slices" for "spices") counts less still
_FOREIGN = 0.8  # a keyword of another language than the name's ("paprika" is Swedish too)


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
        self._category_terms: list[Term] = []
        for item in data["categories"]:
            category = Category(
                item["id"], item.get("parent"), dict(item["names"]), bool(item.get("produce"))
            )
            self.categories[category.id] = category
            own = ("en", category.id.replace("_", " "))  # an id names its category too
            keywords = [own, *category.names.items(), *_all_keywords(item.get("keywords", {}))]
            for lang, keyword in keywords:
                if (term := make_term(category.id, keyword, lang=lang)) is not None:
                    self._category_terms.append(term)
        for category in self.categories.values():
            if category.parent is not None and category.parent not in self.categories:
                raise ValueError(f"category {category.id}: unknown parent {category.parent}")
        self.brands: dict[str, Brand] = {}
        self._brand_terms: list[Term] = []
        for item in data["brands"]:
            brand = Brand(
                item["name"],
                tuple(item.get("aliases", [])) or (item["name"],),
                tuple(item.get("categories", [])),
                tuple(item.get("lines", [])),
            )
            self.brands[brand.name] = brand
            terms = [make_term(brand.name, a) for a in brand.aliases]
            terms += [make_term(brand.name, line, _LINE_BRAND) for line in brand.lines]
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

        def add(term: Term, quality: float, weight: float) -> None:
            score = quality * term.weight * weight * len(term.compact)
            scores[term.owner] = scores.get(term.owner, 0.0) + score
            evidence.setdefault(term.owner, " ".join(term.words))

        for text, weight in lines:
            line = Line.of(text)
            named = set()  # a brand counts once per line
            for term in self._brand_terms:
                if term.owner not in named and (quality := _brand_quality(term, line, self._known)):
                    add(term, quality, weight)
                    named.add(term.owner)
        for glued, weight in _joined(lines):
            for term in self._brand_terms:
                limit = allowed_edits(len(term.compact))
                if len(term.compact) >= 6 and within(term.compact, glued, limit):
                    add(term, FUZZY, weight)
        return _ranked(scores, evidence)

    def hits(self, text: str) -> list[TermHit]:
        """Every category keyword found in ``text`` (one name or line), in keyword order."""
        line = Line.of(text)
        found = []
        for term in self._category_terms:
            if (found_at := match(term, line, self._known)) is not None:
                quality, start, end = found_at
                found.append(
                    TermHit(
                        term.owner,
                        quality,
                        start,
                        end,
                        len(term.compact),
                        len(term.words),
                        term.modifier,
                        " ".join(term.words),
                        term.lang,
                    )
                )
        return found

    def categories_in(self, lines: Sequence[Weighted], brand: Brand | None = None) -> list[Hit]:
        """The categories ``lines`` speak of, strongest first; ``brand`` (found on the same
        pack) favours what it sells. Beside a brand or a product word, fruit and vegetable
        words count as flavours (a fifth)."""
        scores: dict[str, float] = {}
        evidence: dict[str, str] = {}
        for text, weight in lines:
            best: dict[str, tuple[float, str]] = {}  # a category counts once per line
            for hit in self.hits(text):
                score = hit.quality * weight * hit.letters * (MODIFIER if hit.modifier else 1.0)
                if score > best.get(hit.category, (0.0, ""))[0]:
                    best[hit.category] = (score, hit.keyword)
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

    def classify(self, text: str, lang: str | None = None) -> Category | None:
        """The category of one name (a receipt item, an ingredient, a catalogue entry), or
        ``None``; ``lang`` (en, pl, ru) says where the name's head word is.

        A name is ranked, not summed as a pack is: a keyword of more words beats one of fewer
        (``peanut butter`` over ``butter``); a noun beats a modifier (``яйцо куриное`` is eggs);
        the head word counts more — the last in English (``pasta sauce``), the first in Polish
        and Russian (``kawa mielona``); a fruit or vegetable that is not the head, beside a
        product word, is a flavour (``sok jabłkowy`` is juice, ``sałata masłowa`` lettuce); a
        slip or a keyword of another language counts less; and a category named by one word
        gives way to its own subcategory named beside it (``napój cola`` is a soft drink).
        """
        hits = self.hits(text)
        if not hits:
            return None
        packed = any(  # a product word read plainly (not a modifier, not through a slip)
            not self.categories[h.category].produce
            for h in hits
            if not h.modifier and h.quality > FUZZY
        )
        head_first = lang in ("pl", "ru")
        first, last = min(h.start for h in hits), max(h.end for h in hits)
        best: dict[str, tuple[float, int, int]] = {}  # score, letters, words of the best hit
        for hit in hits:
            score = hit.quality * hit.words * (MODIFIER if hit.modifier else 1.0)
            head = (hit.start == first) if head_first else (hit.end == last)
            if head:
                score *= _HEAD
            elif packed and self.categories[hit.category].produce:
                score *= _PACKED_PRODUCE
            if hit.quality <= FUZZY:
                score *= _SLIP
            if lang is not None and hit.lang not in (lang, ""):
                score *= _FOREIGN
            mine = (score, hit.letters, hit.words)
            best[hit.category] = max(best.get(hit.category, (0.0, 0, 0)), mine)
        ranked = sorted(best, key=lambda c: (-best[c][0], -best[c][1], c))
        top = ranked[0]
        # A one-word parent ("napój") gives way; a specific phrase ("green beans") does not.
        narrower = [c for c in ranked[1:] if top in self.ancestors(c)[1:]]
        if narrower and best[top][2] == 1:
            return self.categories[narrower[0]]
        return self.categories[top]


def _brand_quality(term: Term, line: Line, known: frozenset[str]) -> float:
    if len(term.words) == 1 and len(term.compact) <= 4:
        # Short brands (Arla, ICA) must be exact, alone or glued to OCR noise ("CArla").
        word = term.compact
        return (
            1.0 if any(w == word or (w.endswith(word) and len(w) <= 6) for w in line.words) else 0
        )
    found = match(term, line, known)
    return found[0] if found else 0.0


def _ranked(
    scores: Mapping[str, float],
    evidence: Mapping[str, str],
    depth: Callable[[str], int] | None = None,
) -> list[Hit]:
    def key(item: tuple[str, float]) -> tuple[float, int]:
        return (-round(item[1], 6), -(depth(item[0]) if depth else 0))

    ordered = sorted(scores.items(), key=key)
    return [Hit(owner, round(score, 4), evidence[owner]) for owner, score in ordered]


def _all_keywords(by_language: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    return [(lang, keyword) for lang, keywords in by_language.items() for keyword in keywords]


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy in ``path``, or the one shipped in the package (read once, then cached)."""
    if path is None:
        return _shipped()
    return Taxonomy(json.loads(path.read_text(encoding="utf-8")))


@cache
def _shipped() -> Taxonomy:
    text = resources.files("foodscan.recognition.taxonomy").joinpath("food_taxonomy.json")
    return Taxonomy(json.loads(text.read_text(encoding="utf-8")))
