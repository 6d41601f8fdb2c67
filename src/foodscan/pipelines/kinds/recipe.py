"""The ``recipe`` kind as the API sees it: one recipe file (text, Markdown, HTML, DOCX, PDF or a
photo of a cookbook page) → a structured recipe (``RecipeParse``).

Its steps run in ``pipelines.recipe``.
"""

from __future__ import annotations

from pydantic import Field

from foodscan.pipelines.kinds import Kind, Stage, ask_llm
from foodscan.recognition.provenance import PROVENANCE_DESCRIPTION, LlmUsage, Provenance
from foodscan.recognition.reading import documents
from foodscan.recognition.recipe.model import RecipeParse

IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
PDF = "application/pdf"


class RecipeResult(RecipeParse):
    """What a ``recipe`` job returns."""

    provenance: Provenance = Field(default_factory=dict, description=PROVENANCE_DESCRIPTION)
    llm: LlmUsage | None = Field(default=None, description="The vision-LLM's use; null if none")


RECIPE = Kind(
    kind="recipe",
    result_model=RecipeResult,
    accepts=frozenset({documents.TEXT, documents.HTML, documents.DOCX, PDF}) | IMAGES,
    max_files=1,
    steps=(
        Stage("validate", 5, "Checking the file"),
        Stage("read", 15, "Reading the file"),
        Stage("ocr", 50, "Reading text"),
        Stage("parse", 25, "Understanding the recipe"),
        ask_llm(10),
        Stage("enrich", 3, "Sorting the ingredients"),
        Stage("save", 5, "Saving the result"),
    ),
)
