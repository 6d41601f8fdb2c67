"""From what photos showed to products: name, brand, net quantity and category, and which
photos show the same product.

``describe`` reads one product out of weighted text lines (each line weighs its print height
against the photo's largest, so the name on the front outweighs the small print) and codes.
The brand is one of the taxonomy's (matched with OCR slips allowed); failing that, a brand the
taxonomy does not know is taken from the largest print when it stands out: a short line of
letters, clearly taller than any other wordy line, that names no category and no quantity.
``group`` joins the photos of one product: the same code, or — when neither photo shows a
code the other lacks — the same words (at least two shared, half of the shorter photo's) with
no conflicting brand or category. Two photos with different codes are never joined. Pure
functions over the taxonomy; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from foodscan.recognition.products.barcodes import Barcode, unique
from foodscan.recognition.products.photo import PhotoReading, line_height
from foodscan.recognition.quantity import Quantity, find_quantities
from foodscan.recognition.taxonomy.categories import Taxonomy, Weighted
from foodscan.recognition.taxonomy.terms import normalize, words

_MIN_LETTERS = 3
_LETTER_SHARE = 0.5
_SIGNIFICANT = 4  # letters a word needs to count towards "the same text"
_SHARED_WORDS = 2
_SHARED_SHARE = 0.5
_TITLE_BONUS = 1.0  # a line that names the category is the likelier product name
_BRAND_WORDS = 3  # an unknown brand is a short line...
_BRAND_LEAD = 1.25  # ...at least this much taller than the next wordy line


@dataclass(frozen=True, slots=True)
class ProductGuess:
    """One product as read from its photos."""

    photos: tuple[int, ...]
    name: str | None
    brand: str | None
    quantity: Quantity | None
    category: str | None
    barcodes: tuple[Barcode, ...]
    text: str
    confidence: float
    lines: tuple[Weighted, ...]


def weighted_lines(reading: PhotoReading) -> list[Weighted]:
    """A photo's lines, each weighted by its height over the photo's tallest line."""
    tallest = max((line_height(line) for line in reading.lines), default=0.0)
    if tallest <= 0:
        return [(line.text, 1.0) for line in reading.lines]
    return [(line.text, round(line_height(line) / tallest, 4)) for line in reading.lines]


def _wordy(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return letters >= _MIN_LETTERS and letters >= _LETTER_SHARE * len(text.replace(" ", ""))


def _title(lines: Sequence[Weighted], taxonomy: Taxonomy, brand: str | None) -> str | None:
    """The likeliest product-name line: large print, naming a category, not just the brand."""
    brand_words = set(words(brand or ""))
    best: tuple[float, str] | None = None
    for text, weight in lines:
        if not _wordy(text) or set(words(text)) <= brand_words:
            continue
        score = weight * (1 + (_TITLE_BONUS if taxonomy.categories_in([(text, 1.0)]) else 0))
        if best is None or score > best[0]:
            best = (score, " ".join(text.split()).strip(" .,;:-*!"))
    return best[1] if best else None


def _printed_brand(lines: Sequence[Weighted], taxonomy: Taxonomy) -> str | None:
    """A brand the taxonomy does not know: the largest print, if it stands out (see the
    module docstring)."""
    wordy = sorted(((w, t) for t, w in lines if _wordy(t)), key=lambda item: -item[0])
    if not wordy:
        return None
    weight, text = wordy[0]
    runner_up = wordy[1][0] if len(wordy) > 1 else 0.0
    tokens = text.split()
    if (
        weight < _BRAND_LEAD * runner_up
        or not 1 <= len(tokens) <= _BRAND_WORDS
        or any(ch.isdigit() for ch in text)
        or taxonomy.hits(text)
        or find_quantities(text)
    ):
        return None
    return _display(" ".join(tokens).strip(" .,;:-*!"))


def _display(text: str) -> str:
    return text.title() if text.isupper() and len(text) > 3 else text


def _name(title: str | None, brand: str | None, category: str | None) -> str | None:
    if title is None:
        return f"{brand} {category}" if brand and category else brand
    shown = _display(title)
    if brand and normalize(brand) not in normalize(shown):
        return f"{brand} {shown}"
    return shown


def _quantity(lines: Sequence[Weighted]) -> Quantity | None:
    found = [
        (q.count is not None, weight, q) for text, weight in lines for q in find_quantities(text)
    ]
    if not found:
        return None
    return max(found, key=lambda item: (item[0], item[1]))[2]


def describe(
    lines: Sequence[Weighted],
    codes: Sequence[Barcode],
    photos: Sequence[int],
    taxonomy: Taxonomy,
    ocr_confidence: float = 1.0,
) -> ProductGuess:
    """The product these lines and codes speak of (``photos``: the photo indexes)."""
    brands = taxonomy.brands_in(lines)
    brand = taxonomy.brands[brands[0].id] if brands else None
    brand_name = brand.name if brand else _printed_brand(lines, taxonomy)
    categories = taxonomy.categories_in(lines, brand)
    category = categories[0].id if categories else None
    category_name = taxonomy.categories[category].name() if category else None
    title = _title(lines, taxonomy, brand_name)
    text = "\n".join(t for t, _ in lines)
    confidence = (
        0.2 * ocr_confidence * bool(lines)
        + 0.3 * bool(brand)
        + 0.1 * bool(brand_name and not brand)
        + 0.3 * bool(category)
        + 0.2 * bool(codes)
    )
    return ProductGuess(
        photos=tuple(sorted(photos)),
        name=_name(title, brand_name, category_name),
        brand=brand_name,
        quantity=_quantity(lines),
        category=category,
        barcodes=tuple(codes),
        text=text,
        confidence=round(confidence, 3),
        lines=tuple(lines),
    )


def guess(reading: PhotoReading, taxonomy: Taxonomy) -> ProductGuess:
    """The product one photo shows."""
    confidences = [line.confidence for line in reading.lines]
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return describe(weighted_lines(reading), reading.barcodes, (reading.index,), taxonomy, mean)


def _keys(product: ProductGuess) -> set[str]:
    return {code.gtin for code in product.barcodes}


def _significant(product: ProductGuess) -> set[str]:
    return {w for text, _ in product.lines for w in words(text) if len(w) >= _SIGNIFICANT}


def same_product(a: ProductGuess, b: ProductGuess) -> bool:
    """Whether two photos show one product (see the module docstring)."""
    keys_a, keys_b = _keys(a), _keys(b)
    if keys_a & keys_b:
        return True
    if keys_a and keys_b:
        return False
    if a.brand and b.brand and a.brand != b.brand:
        return False
    if a.category and b.category and a.category != b.category:
        return False
    words_a, words_b = _significant(a), _significant(b)
    shared = len(words_a & words_b)
    shorter = min(len(words_a), len(words_b))
    return shared >= _SHARED_WORDS and shared >= _SHARED_SHARE * shorter


def group(guesses: Sequence[ProductGuess], taxonomy: Taxonomy) -> list[ProductGuess]:
    """One product per set of photos that show the same product, in photo order."""
    parent = list(range(len(guesses)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(guesses)):
        for j in range(i + 1, len(guesses)):
            if root(i) != root(j) and same_product(guesses[i], guesses[j]):
                parent[root(j)] = root(i)
    members: dict[int, list[ProductGuess]] = {}
    for i, product in enumerate(guesses):
        members.setdefault(root(i), []).append(product)
    out = []
    for parts in members.values():
        if len(parts) == 1:
            out.append(parts[0])
            continue
        lines = [line for part in parts for line in part.lines]
        codes = unique(code for part in parts for code in part.barcodes)
        photos = [index for part in parts for index in part.photos]
        confidence = max(part.confidence for part in parts)
        merged = describe(lines, codes, photos, taxonomy)
        out.append(replace(merged, confidence=max(confidence, merged.confidence)))
    return sorted(out, key=lambda p: p.photos)
