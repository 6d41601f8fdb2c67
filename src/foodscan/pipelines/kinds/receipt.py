"""The ``receipt`` kind as the API sees it: photos (one long receipt in several shots, in order)
or a PDF → a structured receipt (``ReceiptParse``) plus the text lines it was read from.

Its steps run in ``pipelines.receipt``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from foodscan.pipelines.kinds import Kind, Stage, ask_llm
from foodscan.recognition.provenance import PROVENANCE_DESCRIPTION, LlmUsage, Provenance
from foodscan.recognition.receipt.model import ReceiptParse


class TextLine(BaseModel):
    """One line of text: where it is, how sure the reader is, and where it came from."""

    page: int
    text: str
    box: list[list[float]] | None = Field(
        description="Four corner points [x, y] in page pixels; null for PDF text-layer lines"
    )
    confidence: float
    source: str = Field(description="'ocr' or 'pdf_text'")


class ReceiptResult(ReceiptParse):
    """What a ``receipt`` job returns: the structured receipt and the lines it was read from."""

    pages: int = Field(description="Pages and photos read")
    text: str = Field(description="All lines, one per row, card numbers masked")
    lines: list[TextLine] = Field(description="Every line read, card numbers masked")
    provenance: Provenance = Field(default_factory=dict, description=PROVENANCE_DESCRIPTION)
    llm: LlmUsage | None = Field(default=None, description="The vision-LLM's use; null if none")


RECEIPT = Kind(
    kind="receipt",
    result_model=ReceiptResult,
    accepts=frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"}),
    max_files=5,
    steps=(
        Stage("validate", 5, "Checking the files"),
        Stage("read_pages", 10, "Reading pages"),
        Stage("ocr", 65, "Reading text"),
        Stage("parse", 10, "Understanding the receipt"),
        ask_llm(10),
        Stage("enrich", 3, "Naming and sorting the items"),
        Stage("check", 5, "Checking the totals"),
        Stage("save", 5, "Saving the result"),
    ),
)
