"""Recipe amounts as people write them: ``1⅔ cups``, ``½ tsp``, ``2 to 3 cloves`` (an en dash).

The result keeps numbers (``quantity`` 1.6667, ``unit`` "cup"); this turns them back into text
for ``foodscan scan``. The web page does the same in ``web/format.js`` (``amountText``); both
follow the same table of fractions and plurals.
"""

from __future__ import annotations

from fractions import Fraction

# Fractions a recipe prints, and their single-character forms.
FRACTIONS = {
    Fraction(1, 2): "½",
    Fraction(1, 3): "⅓",
    Fraction(2, 3): "⅔",
    Fraction(1, 4): "¼",
    Fraction(3, 4): "¾",
    Fraction(1, 8): "⅛",
    Fraction(3, 8): "⅜",
    Fraction(5, 8): "⅝",
    Fraction(7, 8): "⅞",
    Fraction(1, 6): "⅙",
    Fraction(5, 6): "⅚",
    Fraction(1, 5): "⅕",
    Fraction(2, 5): "⅖",
    Fraction(3, 5): "⅗",
    Fraction(4, 5): "⅘",
}
RANGE = "\N{EN DASH}"
# How close a decimal must be to a fraction to be printed as it (1.6667 is 1⅔).
TOLERANCE = 0.005
# Units written as words take an -s (or -es) above one; abbreviations never do.
PLURALS = {
    "bunch": "bunches",
    "can": "cans",
    "clove": "cloves",
    "cube": "cubes",
    "cup": "cups",
    "dash": "dashes",
    "drop": "drops",
    "gallon": "gallons",
    "handful": "handfuls",
    "inch": "inches",
    "leaf": "leaves",
    "package": "packages",
    "piece": "pieces",
    "pinch": "pinches",
    "pint": "pints",
    "quart": "quarts",
    "slice": "slices",
    "sprig": "sprigs",
    "stalk": "stalks",
    "stick": "sticks",
}


def quantity_text(value: float) -> str:
    """``1.6667`` → ``1⅔``, ``0.5`` → ``½``, ``200.0`` → ``200``, ``0.3`` → ``0.3``."""
    whole = int(value)
    part = value - whole
    if part < TOLERANCE:
        return str(whole)
    if 1 - part < TOLERANCE:
        return str(whole + 1)
    for fraction, glyph in FRACTIONS.items():
        if abs(part - float(fraction)) < TOLERANCE:
            return f"{whole or ''}{glyph}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def amount_text(quantity: float | None, quantity_max: float | None, unit: str | None) -> str:
    """The amount of one ingredient: ``1⅔ cups``, ``200 g``, a range with an en dash; the unit alone
    (``pinch``) when no number was written; "" when there is neither."""
    number = ""
    if quantity is not None:
        number = quantity_text(quantity)
        if quantity_max is not None:
            number += f"{RANGE}{quantity_text(quantity_max)}"
    many = (quantity_max if quantity_max is not None else quantity or 0) > 1
    word = PLURALS.get(unit, unit) if unit and many else unit
    return " ".join(part for part in (number, word) if part)
