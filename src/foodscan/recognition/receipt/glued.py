"""Words the OCR glued together, split again: "SANYUSTATIONERYSHOP" → "SANYU STATIONERY SHOP".

Letter-spaced capitals on a receipt's header (``S A N Y U  S T A T I O N E R Y``) come out of
the OCR with every space lost. Where the words went is told by ``wordsegment`` (English
unigram and bigram counts from a trillion-word web corpus, shipped in its wheel: no download),
not by rules: it keeps a name the corpus knows whole ("sanyu") and splits the words around it.

Only a long token of capitals and nothing else is a candidate (a name's ordinary words are
shorter), and its split is kept only when it gives three words or more, each of two letters
or more (or "A"): a split into stray letters is a guess, and a two-word compound is as often
a brand printed as one word ("BRIGHTWELLS", "SUPERSAVER") as a glued one: those stay as read.
The model loads on first use (about a second, once per process); a receipt without such a
token never loads it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

# Capitals only, this long or longer: shorter runs are single words or names as printed.
_GLUED = re.compile(r"(?<![\w&'.-])[A-Z]{10,}(?![\w&'.-])")
_MIN_PIECE = 2
_MIN_WORDS = 3

_lock = threading.Lock()
_segment: Callable[[str], list[str]] | None = None


def _segmenter() -> Callable[[str], list[str]]:
    """``wordsegment.segment``, its counts loaded on first use (thread-safe)."""
    global _segment  # noqa: PLW0603 - the loaded model, one per process
    with _lock:
        if _segment is None:
            import wordsegment  # noqa: PLC0415 - about a second to load its counts

            wordsegment.load()
            _segment = wordsegment.segment
        return _segment


def _split(match: re.Match[str]) -> str:
    token = match.group()
    pieces = _segmenter()(token.lower())
    if len(pieces) < _MIN_WORDS or "".join(pieces) != token.lower():
        return token
    if any(len(piece) < _MIN_PIECE and piece != "a" for piece in pieces):
        return token
    return " ".join(piece.upper() for piece in pieces)


def split_glued(text: str) -> str:
    """``text`` with each long run of glued capitals split into its words, where the word
    model finds a split into real words; everything else as it was."""
    return _GLUED.sub(_split, text)
