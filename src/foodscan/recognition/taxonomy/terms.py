"""Keyword terms and where they occur in a line of text: the matcher under the taxonomy.

A term is one keyword of a category or a brand, folded (``normalize``: lower case, no
diacritics) into words. ``match`` finds it in a line: exactly; as a compound head (``-mjölk`` in
``mellanmjölk``); in another form of its words, by their stems in the keyword's language
(``ogórków`` for ``ogórek``, ``recognition.stems``); glued (``sourmilk``); or through an OCR
slip (one edit in six to eight letters, two in nine to twelve, three beyond; never for a
word under six letters or one that is itself a keyword). It answers how well, and which words
it covers. Pure functions; no I/O. ``recognition.taxonomy`` builds the terms and ranks what they
find.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from foodscan.recognition.taxonomy.stems import LANGUAGES, script_fits, stem

_FOLD = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "œ": "oe", "đ": "d"})
_WORD = re.compile(r"[^\W\d_]+")
FUZZY = 0.8  # a hit through an OCR slip counts this much of an exact one
STEMMED = 0.9  # a hit through another form of the word (``ogórków`` for ``ogórek``)


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
    if len(set(a) ^ set(b)) > 2 * limit:  # one edit changes the letters used by two at most
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
class TermHit:
    """One keyword found in one name: its category, how well (1 exact, less through a stem
    or a slip), the words it covers (``start`` to ``end``, inclusive) and what it is."""

    category: str
    quality: float
    start: int
    end: int
    letters: int
    words: int
    modifier: bool
    keyword: str
    lang: str


@dataclass(frozen=True, slots=True)
class Term:
    owner: str
    words: tuple[str, ...]
    head: bool  # a compound head: also matches words that end in it
    weight: float = 1.0
    lang: str = ""
    modifier: bool = False
    stems: tuple[str, ...] = ()  # the words' stems in ``lang``, for en, pl and ru

    @property
    def compact(self) -> str:
        return "".join(self.words)


def make_term(owner: str, keyword: str, weight: float = 1.0, lang: str = "") -> Term | None:
    modifier = keyword.startswith("~")
    keyword = keyword.removeprefix("~")
    head = keyword.startswith("-")
    found = tuple(words(keyword.removeprefix("-")))
    if not found:
        return None
    stems = tuple(stem(w, lang) for w in found) if lang in LANGUAGES else ()
    return Term(owner, found, head and len(found) == 1, weight, lang, modifier, stems)


@dataclass(frozen=True, slots=True)
class Line:
    """A name's folded words and their stems in each stemmed language."""

    words: tuple[str, ...]
    stems: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, text: str) -> Line:
        found = tuple(words(text))
        stems = {
            lang: tuple(stem(w, lang) if script_fits(w, lang) else "" for w in found)
            for lang in LANGUAGES
        }
        return cls(found, stems)


def _word_quality(
    term: str, word: str, head: bool, known: frozenset[str], stemmed: bool = False
) -> float:
    if word == term or (head and word.endswith(term)):
        return 1.0
    if stemmed:
        return STEMMED
    if word in known:  # read exactly as another keyword: not a misspelling of this one
        return 0.0
    limit = allowed_edits(len(term)) if allowed_edits(len(word)) else 0  # short: never a slip
    if limit and within(term, word, limit):
        return FUZZY
    if head and len(term) >= 5 and len(word) > len(term) and within(term, word[-len(term) :], 1):
        return FUZZY
    return 0.0


def match(term: Term, line: Line, known: frozenset[str]) -> tuple[float, int, int] | None:
    """How well ``term`` occurs in ``line`` and the words it covers, or ``None``: 1 exact,
    ``STEMMED`` through another form of its words, ``FUZZY`` through an OCR slip."""
    stems = line.stems.get(term.lang, ()) if term.stems else ()
    if len(term.words) == 1:
        best: tuple[float, int, int] | None = None
        for i, word in enumerate(line.words):
            stemmed = bool(stems) and stems[i] == term.stems[0]
            quality = _word_quality(term.words[0], word, term.head, known, stemmed)
            if quality and (best is None or quality > best[0]):
                best = (quality, i, i)
        return best
    n = len(term.words)
    for i in range(len(line.words) - n + 1):
        if line.words[i : i + n] == term.words:
            return 1.0, i, i + n - 1
    for i in range(len(stems) - n + 1):
        if stems[i : i + n] == term.stems:
            return STEMMED, i, i + n - 1
    compact = "".join(line.words)
    if (at := compact.find(term.compact)) >= 0:
        return 1.0, *_covered(line.words, at, at + len(term.compact))
    if within(term.compact, compact, allowed_edits(len(term.compact))):
        return FUZZY, 0, len(line.words) - 1
    return None


def _covered(line_words: Sequence[str], begin: int, end: int) -> tuple[int, int]:
    """The first and last word that characters ``begin:end`` of the glued words touch."""
    touched = []
    offset = 0
    for i, word in enumerate(line_words):
        if offset < end and offset + len(word) > begin:
            touched.append(i)
        offset += len(word)
    return touched[0], touched[-1]
