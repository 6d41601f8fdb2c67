"""The result of reading a recipe: the pydantic models a ``recipe`` job returns.

These are the edge of the recipe parser (they are exported in the OpenAPI schema); everything
inside the parser hands frozen dataclasses to each other and builds these at the end.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from foodscan.recognition.storage import Keeps


class Times(BaseModel):
    """How long the recipe takes, as ISO 8601 durations (``PT1H30M``); null where not given."""

    prep: str | None = Field(default=None, description="Preparation time, e.g. PT15M")
    cook: str | None = Field(default=None, description="Cooking time, e.g. PT1H")
    total: str | None = Field(default=None, description="Total time, e.g. PT1H15M")


class Ingredient(BaseModel):
    """One ingredient line and what was read from it."""

    text: str = Field(description="The line as written")
    quantity: float | None = Field(
        description="The first amount (½ → 0.5, '1,5' → 1.5); the low end of a range"
    )
    quantity_max: float | None = Field(
        default=None, description="The high end of a range ('2-3' → 3); null when not a range"
    )
    unit: str | None = Field(
        description="Canonical unit: g, kg, ml, l, tsp, tbsp, cup, oz, lb, pinch, piece, clove, …"
    )
    name: str | None = Field(description="What the ingredient is, without amount or unit")
    preparation: str | None = Field(default=None, description="'finely chopped', 'posiekany'")
    comment: str | None = Field(default=None, description="'to taste', '(optional)', notes")
    confidence: float = Field(ge=0, le=1, description="How sure the parser is of this line")
    category: str | None = Field(
        default=None,
        description="A category id of foodscan's food taxonomy, e.g. 'flour'; null when unknown",
    )
    category_name: str | None = Field(
        default=None, description="The category's English name, e.g. 'Flour'; null when unknown"
    )
    keeps: Keeps | None = Field(
        default=None,
        description=(
            "How long the food keeps, from the USDA FoodKeeper entry that fits it (an estimate); "
            "null when nothing fits"
        ),
    )


class IngredientGroup(BaseModel):
    """A titled part of the ingredient list ('For the sauce'); ``purpose`` null when untitled."""

    purpose: str | None
    ingredients: list[str] = Field(description="The lines of this group, as in ``ingredients``")


class RecipeSource(BaseModel):
    """Where the recipe was read from and how."""

    media_type: str = Field(description="The uploaded file's type, sniffed from its bytes")
    method: str = Field(
        description="json-ld, microdata, html-text, text, docx, pdf-text, pdf-ocr or image-ocr"
    )
    url: str | None = Field(default=None, description="The page's address, where the file says")
    pages: int = Field(default=1, description="Pages read (PDF), else 1")


class RecipeParse(BaseModel):
    """A structured recipe."""

    title: str | None
    servings: int | None = Field(description="The first whole number of ``yields``")
    yields: str | None = Field(description="What the recipe makes, as written: '4 servings'")
    times: Times
    ingredients: list[Ingredient]
    ingredient_groups: list[IngredientGroup] | None = Field(
        description="The titled groups of the ingredient list; null when it has none"
    )
    steps: list[str]
    language: str | None = Field(description="en, pl, ru (or the page's own language tag)")
    source: RecipeSource
