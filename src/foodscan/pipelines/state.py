"""What each kind's steps hand each other within one job: one dataclass per kind.

A step reads the fields earlier steps set and sets its own; ``ready`` reads one that must be
set by now. What every kind records for its result (the vision-LLM's fields for provenance, its
token usage) lives in ``Traced``, the base of each. Steps clear what they no longer need (the
uploaded bytes, decoded pages), so a job does not hold them to its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from foodscan.recognition.provenance import Provenance

if TYPE_CHECKING:  # annotations only: dataclasses do not resolve them
    from foodscan.catalog.entry import CatalogEntry
    from foodscan.llm.usage import Usage
    from foodscan.recognition.products.match import ProductGuess
    from foodscan.recognition.products.model import Product
    from foodscan.recognition.products.photo import PhotoReading
    from foodscan.recognition.reading.ocr import OcrLine
    from foodscan.recognition.reading.pdf import PdfPage
    from foodscan.recognition.receipt.model import ReceiptParse
    from foodscan.recognition.recipe.model import RecipeParse
    from foodscan.recognition.recipe.sources import ReadDocument
    from foodscan.recognition.taxonomy.categories import Taxonomy

T = TypeVar("T")

# One page's reading: (0-based page, "ocr" or "pdf_text", its lines).
PageLines = tuple[int, str, list["OcrLine"]]
# A validated upload: (its sniffed media type, its bytes).
File = tuple[str, bytes]


def ready(value: T | None, name: str) -> T:
    """``value``, which an earlier step set; a step that runs before it is a bug."""
    if value is None:
        raise RuntimeError(f"the state's {name} is not set: a step ran before the one setting it")
    return value


@dataclass
class Traced:
    """What the steps of every kind record for the result: provenance entries (path → source,
    the vision-LLM's fields) and the job's vision-LLM usage, once it asked."""

    known: Provenance = field(default_factory=dict)
    usage: Usage | None = None


@dataclass
class ReceiptState(Traced):
    """validate → read_pages → ocr → parse (→ ask_llm) → enrich → check → save."""

    files: list[File] = field(default_factory=list)
    pages: list[PdfPage] = field(default_factory=list)
    per_page: list[PageLines] = field(default_factory=list)
    page_count: int = 0
    parsed: ReceiptParse | None = None


@dataclass
class ProductsState(Traced):
    """validate → read_photos → look_up → merge (→ ask_llm) → enrich → save."""

    photos: list[bytes] = field(default_factory=list)
    taxonomy: Taxonomy | None = None
    read: list[tuple[PhotoReading, ProductGuess]] = field(default_factory=list)
    catalog: dict[str, CatalogEntry] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)


@dataclass
class RecipeState(Traced):
    """validate → read → ocr → parse (→ ask_llm) → enrich → save."""

    file: File | None = None
    media_type: str = ""
    pages: list[PdfPage] = field(default_factory=list)
    # Text files are read whole by the read step; pages by the ocr step.
    document: ReadDocument | None = None
    pages_read: int = 1
    parsed: RecipeParse | None = None
    text: str = ""  # the recipe's lines, what a vision-LLM fallback reads
