"""Words the recogniser hesitated over, settled by the words of the language.

RapidOCR reads a word it is unsure of letter by letter, and may take a letter the model found
only a little more likely than the right one: ``HARIWARL`` where its second choices spell
``HARDWARE``, ``IUIAL`` for ``TOTAL`` in a font whose T has a short bar. ``mend`` looks at each
word of a line (the steps between sure spaces, ``lattice.spans``) whose reading is no word of
the language, and takes instead the reading, among those the recogniser gave at least a little
weight to every letter of (``lattice.readings``), whose words all are common words, if it is
not much less likely (``_MAX_COST``). A word the page read as a known word is never changed,
and only letters change, each for another letter: no letter is dropped or added, and figures,
signs and spaces stay as read, so amounts and dates are untouched. A word mended on one line
is mended the same way where the page read it identically elsewhere (the same print misread
the same way: a shop's name in the header and in its footer).

The words are English word counts (``wordsegment``, loaded on first use); a page's words are
mended only if most of them are English words (a Polish or Malay page keeps its reading). On
any page, a date whose separators came out mixed (``05 02-18``, ``05~05-17``: a till prints
one sign) takes the one sign the recogniser's second choice gives, if any.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import replace

from foodscan.recognition.reading.lattice import Lattice, Step, best_text, readings, spans
from foodscan.recognition.reading.ocr import OcrLine

# A reading more than this (natural log) less likely than the page's is not taken: about
# twenty times less likely in all (two letters each a third as likely: 2.2).
_MAX_COST = 3.0
# A letter the recogniser gave less than this probability is not tried.
_LEAST = 0.05
# At most this many unsure steps of a word are varied (3 ** 6 readings at most).
_MOST = 6
# Words of fewer letters are not judged: too many of them are words.
_MIN_LETTERS = 3
# A word counted at least this often in the English counts is common (``guardian``: 16
# million, ``stationery`` 6 million; ``segi`` 37 thousand).
_COMMON = 100_000
# A page is English enough to mend when this share of its words are common English words.
_ENGLISH_PAGE = 0.5
# Between readings of the same cost the commoner words win: a factor of ten in their count
# is worth this much cost.
_PER_DECADE = 0.1

# A date whose separators are one sign, and one whose separators the OCR may have mixed.
_DATE = re.compile(r"(?<!\d)\d{1,2}([-/.])\d{1,2}\1(?:\d{4}|\d{2})(?!\d)")
_DATE_LIKE = re.compile(r"(?<!\d)\d{1,2}[-/.~ ]{1,2}\d{1,2}[-/.~ ]{1,2}(?:\d{4}|\d{2})(?!\d)")
_SEPARATORS = frozenset("-/.~ ")
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()
_counts: dict[str, float] = {}


def _words() -> dict[str, float]:
    """``wordsegment``'s English unigram counts, loaded on first use (about a second)."""
    with _lock:
        if not _counts:
            import wordsegment  # noqa: PLC0415 - about a second to load its counts

            wordsegment.load()
            _counts.update(wordsegment.UNIGRAMS)
    return _counts


def _long_words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text) if len(w) >= _MIN_LETTERS]


def _letters_only(lattice: Lattice, start: int, end: int) -> Lattice:
    """The steps ``[start, end)`` with only the alternatives that trade a letter for another
    letter or for nothing (the blank): a figure, a sign or a space is never changed."""

    def keep(best: str, other: str) -> bool:
        return (not best or best.isalpha()) and (not other or other.isalpha())

    steps: list[Step] = []
    for step in lattice[start:end]:
        best = step[0][0] if step else ""
        steps.append(tuple(c for i, c in enumerate(step) if i == 0 or keep(best, c[0])))
    return tuple(steps)


def _better(span_text: str, options: list[tuple[str, float]], counts: dict[str, float]) -> str:
    """The least costly reading of a span that changes only words the language does not know,
    each into a common word (``span_text`` itself if there is none)."""
    shape = _LETTER.sub("a", span_text)
    read = _WORD.findall(span_text)
    best: tuple[float, str] | None = None
    for text, cost in options:
        if cost > _MAX_COST or _LETTER.sub("a", text) != shape:
            continue
        changed = [
            (old, new.casefold())
            for old, new in zip(read, _WORD.findall(text), strict=True)
            if old != new
        ]
        if not changed or any(
            len(old) < _MIN_LETTERS or old.casefold() in counts or counts.get(new, 0.0) < _COMMON
            for old, new in changed
        ):
            continue
        score = cost - _PER_DECADE * sum(math.log10(counts[new]) for _, new in changed)
        if best is None or score < best[0]:
            best = (score, text)
    return best[1] if best else span_text


def _separators_only(lattice: Lattice, start: int, end: int) -> Lattice:
    """The steps ``[start, end)`` with only the alternatives that trade a date's separator
    (or a space, a tilde, nothing) for another."""

    def keep(choice: str) -> bool:
        return not choice or choice in _SEPARATORS

    steps: list[Step] = []
    for step in lattice[start:end]:
        best = step[0][0] if step else ""
        steps.append(tuple(c for i, c in enumerate(step) if i == 0 or (keep(best) and keep(c[0]))))
    return tuple(steps)


def _date(span_text: str, steps: Lattice) -> str:
    """The span with its date's separators made one sign (``05 02-18`` → ``05-02-18``,
    ``05~05-17`` → ``05-05-17``) where the recogniser gave that sign some weight."""
    if _DATE.search(span_text) or not _DATE_LIKE.search(span_text):
        return span_text
    digits = re.sub(r"\D", "", span_text)
    options = [
        (cost, text)
        for text, cost in readings(steps, 0, len(steps), least=_LEAST, most=_MOST)
        if cost <= _MAX_COST and _DATE.search(text) and re.sub(r"\D", "", text) == digits
    ]
    return min(options)[1] if options else span_text


def _mend_line(
    line: OcrLine, counts: dict[str, float], *, words: bool = True
) -> tuple[OcrLine, dict[str, str]]:
    """``line`` with its unknown words mended where a common reading is near (``words``), and
    a date's mixed separators made one, and the words changed (page's word → mended word)."""
    lattice = line.alternatives
    if lattice is None or best_text(lattice).strip() != line.text:
        return line, {}
    parts: list[str] = []
    changed: dict[str, str] = {}
    for start, end in spans(lattice):
        steps = _letters_only(lattice, start, end)
        span_text = best_text(steps).strip()
        dated = _date(span_text, _separators_only(lattice, start, end))
        if dated != span_text:
            parts.append(dated)
            changed[span_text] = dated
            continue
        unknown = [w for w in _long_words(span_text) if w not in counts]
        if words and unknown:
            options = list(readings(steps, 0, len(steps), least=_LEAST, most=_MOST))
            mended = _better(span_text, options, counts)
            if mended != span_text:
                changed |= dict(zip(_WORD.findall(span_text), _WORD.findall(mended), strict=True))
                span_text = mended
        parts.append(span_text)
    text = " ".join(part for part in parts if part)
    if not changed or not text:
        return line, {}
    words_changed = {old: new for old, new in changed.items() if old != new and old.isalpha()}
    return replace(line, text=text, alternatives=None), words_changed


def english_page(lines: Sequence[OcrLine], counts: dict[str, float] | None = None) -> bool:
    """Whether most of the words of ``lines`` are common English words."""
    counts = _words() if counts is None else counts
    words = [w for line in lines for w in _long_words(line.text)]
    common = sum(counts.get(word, 0.0) >= _COMMON for word in words)
    return bool(words) and common >= _ENGLISH_PAGE * len(words)


def mend(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """``lines`` (a Latin page's, in order) with the words the recogniser hesitated over read
    as the common words its second choices spell, where that is near as likely (see the module
    text). Lines without alternatives (another engine's) are kept as they are."""
    if not any(line.alternatives for line in lines):
        return list(lines)
    counts = _words()
    english = english_page(lines, counts)
    out: list[OcrLine] = []
    renamed: dict[str, set[str]] = {}
    for line in lines:
        mended, changed = _mend_line(line, counts, words=english)
        for old, new in changed.items():
            renamed.setdefault(old, set()).add(new)
        out.append(mended)
    # The same misread word elsewhere on the page, where the recogniser had no second choice.
    again = {old: news.pop() for old, news in renamed.items() if len(news) == 1}
    if not again:
        return out
    pattern = re.compile(r"(?<![^\W\d_])(" + "|".join(map(re.escape, again)) + r")(?![^\W\d_])")
    return [
        line
        if not pattern.search(line.text)
        else replace(line, text=pattern.sub(lambda m: again[m[1]], line.text), alternatives=None)
        for line in out
    ]
