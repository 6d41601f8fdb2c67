"""Units of measure: every spelling we read (English, Polish, Russian, with inflections) mapped
to one canonical name (``g``, ``tbsp``, ``cup``, ``pinch``…), so that a unit never stays inside
an ingredient's name and clients compare amounts across languages.
"""

# ruff: noqa: RUF001 - Polish and Russian words are the point of this module

from __future__ import annotations

import re

# Canonical names for what ingredient-parser (pint) or a page writes in English.
_ENGLISH = {
    "g": ("g", "gram", "grams", "gr", "gramme", "grammes"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "mg": ("mg", "milligram", "milligrams"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres", "mls"),
    "cl": ("cl", "centiliter", "centilitre", "centiliters", "centilitres"),
    "dl": ("dl", "deciliter", "decilitre", "deciliters", "decilitres"),
    "l": ("l", "liter", "liters", "litre", "litres", "ltr"),
    "tsp": ("tsp", "tsps", "teaspoon", "teaspoons", "t", "ts"),
    "tbsp": ("tbsp", "tbsps", "tablespoon", "tablespoons", "tbs", "tbl", "tbsn", "tb", "T"),
    "cup": ("cup", "cups", "c"),
    "oz": ("oz", "ounce", "ounces"),
    "fl oz": ("fl oz", "fluid_ounce", "fluid ounce", "fluid ounces", "fl. oz"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "pint": ("pint", "pints", "pt"),
    "quart": ("quart", "quarts", "qt"),
    "gallon": ("gallon", "gallons"),
    "pinch": ("pinch", "pinches"),
    "dash": ("dash", "dashes"),
    "drop": ("drop", "drops"),
    "handful": ("handful", "handfuls"),
    "clove": ("clove", "cloves"),
    "slice": ("slice", "slices"),
    "can": ("can", "cans", "tin", "tins"),
    "package": ("package", "packages", "pack", "packs", "packet", "packets", "sachet", "sachets"),
    "bunch": ("bunch", "bunches"),
    "sprig": ("sprig", "sprigs"),
    "stick": ("stick", "sticks"),
    "piece": ("piece", "pieces"),
    "leaf": ("leaf", "leaves"),
    "stalk": ("stalk", "stalks"),
    "cm": ("cm", "centimeter", "centimetre", "centimeters", "centimetres"),
    "mm": ("mm", "millimeter", "millimetre"),
    "inch": ("in", "inch", "inches"),
}
_BY_NAME = {
    spelling if spelling == "T" else spelling.lower(): unit
    for unit, spellings in _ENGLISH.items()
    for spelling in spellings
}
# Words of size that come with a unit in labels and pages ("level tsp", "thin slices").
SIZE_WORDS = frozenset(
    {
        "level",
        "heaped",
        "heaping",
        "rounded",
        "scant",
        "generous",
        "thin",
        "thick",
        "small",
        "medium",
        "large",
        "big",
        "good",
    }
)

# Polish and Russian units: a regex for each, with its inflections, matched at a word boundary.
_LOCAL = (
    (
        "cup",
        r"szklan(?:ka|ki|kę|ek|ką|kach|kami)|szkl\.|стакан(?:а|ов|ы|у|ом)?|стак\.?|ст\.(?!\s*л)",
    ),
    (
        "tbsp",
        r"łyż(?:ka|ki|kę|ek|ką|kami|kach)|łyż\.|"
        r"стол(?:овая|овые|овых|овой|овую)?\.?\s*лож(?:ка|ки|ек|ку|кой)|ст\.?\s*л(?:\.|ож\w*)?",
    ),
    (
        "tsp",
        r"łyżecz(?:ka|ki|kę|ek|ką|kami|kach)|łyżecz\.|"
        r"чайн(?:ая|ые|ых|ой|ую)\s*лож(?:ка|ки|ек|ку|кой)|ч\.?\s*л(?:\.|ож\w*)?",
    ),
    ("pinch", r"szczypt(?:a|y|ę|ą|ami)?|щепот(?:ка|ки|ку|ок|кой)"),
    ("kg", r"kg|kilogram(?:y|ów|a)?|кг|килограмм(?:а|ов)?"),
    ("g", r"g|gr|gram(?:y|ów|a)?|dag|dkg|г|гр|грамм(?:а|ов)?"),
    ("ml", r"ml|mililitr(?:y|ów|a)?|мл|миллилитр(?:а|ов)?"),
    ("l", r"l|litr(?:y|ów|a)?|л|литр(?:а|ов)?"),
    ("piece", r"szt\.?|sztuk(?:a|i|ę)?|шт\.?|штук(?:а|и|у)?"),
    ("clove", r"ząb(?:ek|ki|ków|kami)|зубч(?:ик|ика|иков|ики)|зуб\."),
    ("handful", r"garś(?:ć|ci)|горст(?:ь|и|ей)"),
    ("slice", r"plaste(?:r|rek|rki|rków)|plastr(?:y|ów)|ломтик(?:а|ов|и)?|кусоч(?:ек|ка|ков)"),
    ("can", r"puszk(?:a|i|ę|ek)|банк(?:а|и|у)"),
    (
        "package",
        r"opakowa(?:nie|nia|ń)|op\.|paczk(?:a|i|ę|ek)|torebk(?:a|i|ę|ek)|упаковк(?:а|и|у)|пакет(?:а|ов|ик|ика)?",
    ),
    ("bunch", r"pęcz(?:ek|ki|ków)|пуч(?:ок|ка|ков)"),
    ("stalk", r"łodyg(?:a|i)|стеб(?:ель|ля|лей)"),
    ("cube", r"kostk(?:a|i|ę|ek)|кубик(?:а|ов)?"),
)
_NOT_WORD = r"(?![0-9a-ząćęłńóśźżа-яё])"
LOCAL_UNIT = re.compile(
    r"(?P<unit>"
    + "|".join(f"(?P<u{i}>{pattern})" for i, (_, pattern) in enumerate(_LOCAL))
    + r")"
    + _NOT_WORD,
    re.IGNORECASE,
)


def local_unit(match: re.Match[str]) -> str:
    """The canonical unit a ``LOCAL_UNIT`` match found."""
    index = next(i for i in range(len(_LOCAL)) if match.group(f"u{i}") is not None)
    return _LOCAL[index][0]


def canonical_unit(text: str | None) -> str | None:
    """The canonical name of an English (or pint) unit, else the text lower-cased; ``None``
    for no unit. Size words are dropped: "level tsp" → ``tsp``, "thin slices" → ``slice``."""
    if not text:
        return None
    raw = " ".join(text.replace("_", " ").strip().rstrip(".").split())
    if raw in _BY_NAME:  # case matters for "T" (tablespoon) against "t" (teaspoon)
        return _BY_NAME[raw]
    words = [w for w in raw.lower().split() if w not in SIZE_WORDS]
    key = " ".join(words)
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key.endswith("s") and key[:-1] in _BY_NAME:
        return _BY_NAME[key[:-1]]
    if found := LOCAL_UNIT.fullmatch(key):
        return local_unit(found)
    return key or None
