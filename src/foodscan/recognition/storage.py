"""The result schema of storage times: ``Keeps`` (how long a food keeps, from USDA FoodKeeper)
and ``UseBy`` (a receipt item's estimated use-by date).

Pydantic models (an API edge) shared by receipt items, products and recipe ingredients, as
``net_quantity`` is; they own names, types and descriptions only. ``enrich.keeps`` fills them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

DayRange = Annotated[
    tuple[int, int],
    Field(description="[min, max] days (a month is 30 days, a year 365)", examples=[[7, 14]]),
]
Place = Literal["pantry", "fridge", "freezer"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AfterOpening(_Model):
    """How long the food keeps once opened."""

    pantry_days: DayRange | None = Field(description="In the pantry after opening; null if none")
    fridge_days: DayRange | None = Field(
        description="In the refrigerator after opening; null if none"
    )


class Keeps(_Model):
    """How long a food keeps, from the USDA FoodKeeper entry that fits it (an estimate: storage
    times for the food in general, not this pack's date)."""

    entry: str = Field(description="The FoodKeeper entry's id", examples=["644"])
    name: str = Field(description="The entry's name and subtitle", examples=["Milk (shelf-stable)"])
    category: str = Field(
        description="The entry's FoodKeeper category", examples=["Shelf Stable Foods"]
    )
    pantry_days: DayRange | None = Field(
        description="In the pantry, from purchase; null when FoodKeeper gives no duration"
    )
    fridge_days: DayRange | None = Field(
        description="In the refrigerator, from purchase; null when FoodKeeper gives no duration"
    )
    freezer_days: DayRange | None = Field(
        description="In the freezer; null when FoodKeeper gives no duration"
    )
    after_opening: AfterOpening | None = Field(
        description="Once opened; null when FoodKeeper says nothing about it"
    )
    tips: str | None = Field(
        description=(
            "FoodKeeper's storage tips per place, and what it says that is no duration "
            "('Fridge: Package use-by date.'); null if none"
        )
    )


class UseBy(_Model):
    """An estimated use-by date: the purchase date plus the shortest storage time where the
    food is usually kept."""

    date: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD", examples=["2025-03-14"]
    )
    kept: Place = Field(
        description=(
            "Where the time was taken from: the freezer for foods bought frozen, else the "
            "refrigerator when FoodKeeper gives a time for it, else the pantry"
        )
    )
    estimate: Literal[True] = Field(
        default=True, description="Always true: an estimate from FoodKeeper, not the pack's date"
    )
