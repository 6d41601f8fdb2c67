"""How long a food keeps: the USDA FoodKeeper entry for one name, through foodscan's taxonomy.

A name (a receipt item, a product, an ingredient) first gets its food category from the
taxonomy (``enrich.categorise``: Polish and Russian names, stems, till abbreviations). The map
``keeps_map.json`` beside this module says, per category, which FoodKeeper entries may fit and
the words that choose among them: ``MLEKO UHT`` (milk, cue ``uht``) is shelf-stable milk,
``Молоко 3,2%`` (milk, no cue) the default, fresh milk. The entry whose cue words cover the
most letters of the name wins (a word met in another form, ``wieprzowe`` for ``wieprzowy``,
counts a little less); a name that says frozen, dried or canned gets the category's entry for
that state unless a cue already chose an entry of that kind (``frozen pizza``); a cue of the
category's ``none`` list that outweighs every entry's means FoodKeeper holds nothing that fits
(``квас``); with no cue, the category's default; with no default, the parent category is asked.
Non-food (bags, deposits, batteries) and names without a category get ``None``.

``use_by`` estimates a use-by date from a purchase date: the shortest time where the food is
usually kept — the freezer for foods bought frozen, else the refrigerator when FoodKeeper gives
a time for it, else the pantry. Loading reads two files beside this module once, on first use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from foodscan.recognition.enrich.foodkeeper import Entry, load_foodkeeper
from foodscan.recognition.enrich.names import name_language
from foodscan.recognition.storage import AfterOpening, Keeps, Place, UseBy
from foodscan.recognition.taxonomy.categories import Category, Taxonomy
from foodscan.recognition.taxonomy.terms import Line, Term, make_term, match

_FROZEN_CATEGORY = "Food Purchased Frozen"
_NONE = ""  # the owner of the cue words that say nothing fits
_HEAD = 1.25  # a cue on the name's head word counts this much more
Score = tuple[float, float]  # words covered (weighted), letters covered


@dataclass(frozen=True, slots=True)
class _Rule:
    """One category's way to FoodKeeper entries."""

    default: str | None
    cues: tuple[Term, ...]  # owners: entry ids, or ``_NONE``
    states: Mapping[str, str]
    nonfood: bool


def _terms(owner: str, cues: Sequence[str], lists: Mapping[str, Sequence[str]]) -> list[Term]:
    """The cues' terms (``@beef`` stands for the word list ``beef``): Cyrillic ones read as
    Russian, Latin ones as English and Polish."""
    out = []
    expanded = [w for cue in cues for w in (lists[cue[1:]] if cue.startswith("@") else [cue])]
    for cue in expanded:
        cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in cue)
        for lang in ("ru",) if cyrillic else ("en", "pl"):
            if (term := make_term(owner, cue, lang=lang)) is not None:
                out.append(term)
    return out


def _rule(item: Mapping[str, Any], lists: Mapping[str, Sequence[str]]) -> _Rule:
    # Any: one category of the parsed map
    cues = [t for entry, said in item.get("pick", {}).items() for t in _terms(entry, said, lists)]
    cues += _terms(_NONE, item.get("none", []), lists)
    states = dict(item.get("states", {}))
    return _Rule(item.get("default"), tuple(cues), states, item.get("nonfood", False))


class Keeper:
    """FoodKeeper entries and the way to them from foodscan's categories."""

    def __init__(
        self, taxonomy: Taxonomy, entries: Mapping[str, Entry], data: Mapping[str, Any]
    ) -> None:  # Any: the parsed map document
        self.taxonomy = taxonomy
        self.entries = entries
        lists = data.get("words", {})
        self._rules = {c: _rule(item, lists) for c, item in data["categories"].items()}
        self._states = {s: tuple(_terms(s, said, lists)) for s, said in data["states"].items()}
        terms = [t for rule in self._rules.values() for t in rule.cues]
        terms += [t for said in self._states.values() for t in said]
        self._known = frozenset(t.words[0] for t in terms if len(t.words) == 1)
        for rule in self._rules.values():
            for entry in (rule.default, *rule.states.values(), *(t.owner for t in rule.cues)):
                if entry and entry not in entries:
                    raise ValueError(f"keeps map: unknown FoodKeeper entry {entry}")

    def _scores(self, terms: Sequence[Term], line: Line, head: int | None) -> dict[str, Score]:
        """Per owner, the words its cues cover in ``line`` (the ``head`` word counting more)
        and their letters; a word counts once, for the owner's strongest cue on it."""
        hits: dict[str, list[tuple[float, float, int, int]]] = {}
        for term in terms:
            if (found := match(term, line, self._known)) is not None:
                quality, start, end = found
                on_head = head is not None and start <= head <= end
                weight = quality * len(term.words) * (_HEAD if on_head else 1.0)
                hit = (weight, quality * len(term.compact), start, end)
                hits.setdefault(term.owner, []).append(hit)
        scores: dict[str, Score] = {}
        for owner, owned in hits.items():
            taken: list[tuple[int, int]] = []
            words = letters = 0.0
            for weight, size, start, end in sorted(owned, key=lambda h: (-h[0], -h[1])):
                if not any(start <= e and s <= end for s, e in taken):
                    taken.append((start, end))
                    words += weight
                    letters += size
            scores[owner] = (words, letters)
        return scores

    def _states_in(self, line: Line) -> list[str]:
        return [s for s, terms in self._states.items() if self._scores(terms, line, None)]

    def entry_for(
        self, name: str | None, category: Category | None, lang: str | None = None
    ) -> Entry | None:
        """The FoodKeeper entry for ``name`` of ``category`` read in ``lang`` (en, pl, ru; it
        says where the head word is: the last in English, the first in Polish and Russian),
        or ``None``."""
        if not name or category is None:
            return None
        line = Line.of(name)
        head = 0 if name_language(name, lang) in ("pl", "ru") else len(line.words) - 1
        states = self._states_in(line)
        for category_id in self.taxonomy.ancestors(category.id):
            rule = self._rules.get(category_id)
            if rule is None:
                continue
            if rule.nonfood:
                return None
            found = self._decide(rule, line, head, states, category_id)
            if found is not None:
                return self.entries[found] if found != _NONE else None
        return None

    def _decide(
        self, rule: _Rule, line: Line, head: int, states: Sequence[str], at: str
    ) -> str | None:
        """An entry id, ``_NONE`` (nothing fits), or ``None`` (ask the parent)."""
        scores = self._scores(rule.cues, line, head)
        ranked = sorted(scores, key=lambda o: (-scores[o][0], -scores[o][1], o == _NONE))
        for state in states:
            stated = self._state_entry(state, at)
            if stated is None:
                continue
            kind = self.entries[stated].category
            # A cue that chose an entry of the state's kind ("frozen pizza") knows better.
            chosen = [o for o in ranked if o != _NONE and self.entries[o].category == kind]
            return chosen[0] if chosen else stated
        if ranked:
            return ranked[0]
        return rule.default

    def _state_entry(self, state: str, at: str) -> str | None:
        for category_id in self.taxonomy.ancestors(at):
            rule = self._rules.get(category_id)
            if rule is not None and state in rule.states:
                return rule.states[state]
        return None


def keeps_of(entry: Entry) -> Keeps:
    """The result fields of one FoodKeeper entry."""
    opened = None
    if entry.pantry_opened is not None or entry.fridge_opened is not None:
        opened = AfterOpening(pantry_days=entry.pantry_opened, fridge_days=entry.fridge_opened)
    return Keeps(
        entry=entry.id,
        name=entry.name,
        category=entry.category,
        pantry_days=entry.pantry,
        fridge_days=entry.fridge,
        freezer_days=entry.freezer,
        after_opening=opened,
        tips=entry.tips,
    )


def use_by(keeps: Keeps, purchased: str | None) -> UseBy | None:
    """The estimated use-by date of a food bought on ``purchased`` (YYYY-MM-DD), or ``None``
    when there is no date or FoodKeeper gives no time where the food is usually kept."""
    if purchased is None:
        return None
    places: list[tuple[Place, tuple[int, int] | None]] = [
        ("fridge", keeps.fridge_days),
        ("pantry", keeps.pantry_days),
    ]
    if keeps.category == _FROZEN_CATEGORY:
        places.insert(0, ("freezer", keeps.freezer_days))
    for place, days in places:
        if days is not None:
            try:
                day = date.fromisoformat(purchased) + timedelta(days=days[0])
            except ValueError:
                return None
            return UseBy(date=day.isoformat(), kept=place)
    return None


def load_keeper(taxonomy: Taxonomy) -> Keeper:
    """The keeper over the files shipped in the package (read once per taxonomy, then
    cached)."""
    return _shipped(taxonomy)


@cache
def _shipped(taxonomy: Taxonomy) -> Keeper:
    text = resources.files("foodscan.recognition.enrich").joinpath("keeps_map.json")
    return Keeper(taxonomy, load_foodkeeper(), json.loads(text.read_text(encoding="utf-8")))


def keeps_for(
    name: str | None, category: Category | None, lang: str | None, keeper: Keeper
) -> Keeps | None:
    """``keeps`` for a name of ``category`` read in ``lang``: its FoodKeeper entry's fields,
    or ``None``."""
    entry = keeper.entry_for(name, category, lang)
    return keeps_of(entry) if entry is not None else None
