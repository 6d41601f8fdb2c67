"""The result schema of a ``products`` job: the products found, and what each photo showed.

Pydantic models (an API edge: clients and the vision-LLM's structured output use them); built
from the frozen dataclasses of ``products_match`` and ``product_photo`` by ``from_guess`` and
``from_reading``. Catalogue fields (nutrition, allergens) are filled in by the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from foodscan.recognition.net_quantity import NetQuantity
from foodscan.recognition.provenance import PROVENANCE_DESCRIPTION, LlmUsage, Provenance
from foodscan.recognition.storage import Keeps

if TYPE_CHECKING:  # only the ``of`` builders' arguments: the schema (and the API) needs no reader
    from foodscan.recognition.products.barcodes import Barcode
    from foodscan.recognition.products.match import ProductGuess
    from foodscan.recognition.products.photo import PhotoReading


class BarcodeRead(BaseModel):
    """A code on a photo: EAN-13, EAN-8, UPC-A, UPC-E or QR."""

    format: str
    text: str
    source: Literal["image", "text"] = Field(
        description="'image': decoded from the bars; 'text': the printed digits, check digit right"
    )

    @classmethod
    def of(cls, code: Barcode) -> BarcodeRead:
        return cls(format=code.format, text=code.text, source=code.source)


class Product(BaseModel):
    """One product, from one or more photos of it (front and back are merged)."""

    name: str | None
    brand: str | None
    quantity: NetQuantity | None
    category: str | None = Field(description="A category id of foodscan's taxonomy, e.g. 'milk'")
    category_name: str | None = Field(description="The category's English name")
    barcodes: list[BarcodeRead]
    photos: list[int] = Field(description="Indexes (from 0, in upload order) of its photos")
    text: str = Field(description="The packaging text read, one line per row")
    confidence: float = Field(ge=0, le=1)
    source: Literal["photo", "catalog"] = Field(
        default="photo",
        description="Where name, brand and quantity come from: the photos or the catalogue",
    )
    nutrition: dict[str, float] | None = Field(
        default=None, description="Per 100 g or 100 ml, from the catalogue (e.g. energy_kcal)"
    )
    allergens: list[str] = Field(default_factory=list, description="From the catalogue")
    keeps: Keeps | None = Field(
        default=None,
        description=(
            "How long the food keeps, from the USDA FoodKeeper entry that fits it (an estimate); "
            "null for non-food or when nothing fits"
        ),
    )

    @classmethod
    def of(cls, guess: ProductGuess, category_name: str | None) -> Product:
        return cls(
            name=guess.name,
            brand=guess.brand,
            quantity=NetQuantity.of(guess.quantity) if guess.quantity else None,
            category=guess.category,
            category_name=category_name,
            barcodes=[BarcodeRead.of(code) for code in guess.barcodes],
            photos=list(guess.photos),
            text=guess.text,
            confidence=guess.confidence,
        )


class PhotoLine(BaseModel):
    """One text line of a photo."""

    text: str
    box: list[list[float]] = Field(description="Four corner points [x, y] in photo pixels")
    confidence: float


class Photo(BaseModel):
    """What one photo showed."""

    index: int
    barcodes: list[BarcodeRead]
    lines: list[PhotoLine]

    @classmethod
    def of(cls, reading: PhotoReading) -> Photo:
        return cls(
            index=reading.index,
            barcodes=[BarcodeRead.of(code) for code in reading.barcodes],
            lines=[
                PhotoLine(
                    text=line.text,
                    box=[[round(x, 1), round(y, 1)] for x, y in line.box],
                    confidence=round(line.confidence, 4),
                )
                for line in reading.lines
            ],
        )


class ProductsResult(BaseModel):
    """What a ``products`` job returns."""

    products: list[Product]
    photos: list[Photo]
    provenance: Provenance = Field(default_factory=dict, description=PROVENANCE_DESCRIPTION)
    llm: LlmUsage | None = Field(default=None, description="The vision-LLM's use; null if none")
