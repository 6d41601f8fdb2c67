"""What RapidOCR's recogniser hesitated over: each line's character alternatives.

The recogniser is a CTC model: for each time step (a few pixels of the line's width) it gives a
probability to every character and to "nothing here" (the blank); the text is the most likely
symbol of each step, repeats merged and blanks dropped. Where the second choice of a step is
close (``I`` 0.40, ``D`` 0.19), the line has another reading the model found nearly as likely.
``LatticeTap`` keeps, as the page is read, each line's ``Lattice``: per step, the choices above
a floor, most likely first (the text read is unchanged); ``OcrLine.alternatives`` carries it.
``readings`` lists a span's other readings with their cost (how much less likely they are);
which of them is right is for a prior to say (``spelling``: the words of a language).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import product
from typing import Any

# One time step's choices, most likely first: (character, probability); "" is the blank.
Step = tuple[tuple[str, float], ...]
Lattice = tuple[Step, ...]

# A step whose best choice is at least this likely has no alternative worth keeping.
_SURE = 0.995
# Alternatives below this probability are not kept.
_FLOOR = 0.01
_TOP = 3


class LatticeTap:
    """Stands in for rapidocr's CTC decoder (``TextRecognizer.postprocess_op``): decodes as it
    does, and keeps each row's lattice in ``rows`` (in the order the recogniser gives them)."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.character: list[str] = list(decoder.character)
        self.rows: list[Lattice] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decoder, name)

    def __call__(self, preds: Any, *args: Any, **kwargs: Any) -> Any:
        self.rows.extend(self.lattices(preds))
        return self.decoder(preds, *args, **kwargs)

    def lattices(self, preds: Any) -> list[Lattice]:
        """The lattice of every row of ``preds`` (batch x steps x characters)."""
        import numpy as np  # noqa: PLC0415 - loaded with rapidocr, on first use

        best = preds.argmax(axis=2)
        best_p = preds.max(axis=2)
        out = []
        for row in range(preds.shape[0]):
            steps: list[Step] = []
            for t in range(preds.shape[1]):
                if best_p[row, t] >= _SURE:
                    steps.append(((self._char(int(best[row, t])), float(best_p[row, t])),))
                    continue
                probs = preds[row, t]
                top = np.argpartition(-probs, _TOP)[:_TOP]
                top = top[np.argsort(-probs[top])]
                steps.append(
                    tuple(
                        (self._char(int(k)), round(float(probs[k]), 4))
                        for k in top
                        if probs[k] >= _FLOOR
                    )
                )
            out.append(tuple(steps))
        return out

    def _char(self, index: int) -> str:
        return "" if index == 0 else self.character[index]


def collapse(symbols: Sequence[str]) -> str:
    """CTC's reading of one symbol per step: repeats merged, blanks dropped."""
    out = []
    previous = None
    for symbol in symbols:
        if symbol and symbol != previous:
            out.append(symbol)
        previous = symbol
    return "".join(out)


def best_text(lattice: Lattice) -> str:
    """The reading the recogniser gave (its best symbol at every step)."""
    return collapse([step[0][0] if step else "" for step in lattice])


def spans(lattice: Lattice) -> list[tuple[int, int]]:
    """The steps of each word of the best reading: ``[start, end)`` per run of steps between
    steps sure of a space (a step whose best symbol is a space, with no alternative)."""
    out = []
    start = None
    for t, step in enumerate(lattice):
        space = bool(step) and step[0][0] == " " and len(step) == 1
        if space:
            if start is not None:
                out.append((start, t))
            start = None
        elif start is None:
            start = t
    if start is not None:
        out.append((start, len(lattice)))
    return out


def readings(
    lattice: Lattice, start: int, end: int, *, least: float, most: int
) -> Iterator[tuple[str, float]]:
    """The readings of steps ``[start, end)`` with their cost: the natural log of how much less
    likely their steps are than the best reading's. At each step the choices at least ``least``
    likely are tried; only the ``most`` least sure steps vary (the others keep their best), so
    at most ``3 ** most`` readings. The best reading comes first, at cost 0.
    """
    steps = list(lattice[start:end])
    open_steps = sorted(
        (t for t, step in enumerate(steps) if len(step) > 1 and step[1][1] >= least),
        key=lambda t: steps[t][0][1],
    )[:most]
    choices = [
        [c for c in step if c[1] >= least] if t in open_steps else [step[0]]
        for t, step in enumerate(steps)
    ]
    for picked in product(*choices):
        cost = sum(
            math.log(step[0][1] / max(choice[1], 1e-9))
            for step, choice in zip(steps, picked, strict=True)
        )
        yield collapse([c[0] for c in picked]).strip(), cost
