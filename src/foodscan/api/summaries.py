"""``ResultSummary``: a job's result in the few fields a list shows (``schemas.JobSummary``).

A full result carries every OCR line with its box (kilobytes a job), so ``GET /v1/jobs`` answers
summaries by default and a page of 100 stays small; ``?full=true`` answers full jobs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# The lists of a result whose length a summary gives.
COUNTED = ("items", "products", "ingredients", "steps")


class ResultSummary(BaseModel):
    """A result in a few fields; ``GET /v1/jobs/{id}`` has all of it."""

    title: str | None = Field(
        description="the recipe's title, the receipt's merchant, or the first product's name"
    )
    merchant: str | None = Field(description="the store's name (receipts)")
    total: str | None = Field(description="the total as printed, e.g. '6.84' (receipts)")
    currency: str | None = Field(description="ISO 4217 code (receipts)")
    date: str | None = Field(description="the purchase date, YYYY-MM-DD (receipts)")
    counts: dict[str, int] = Field(
        description="how many items, products, ingredients or steps the result holds"
    )

    @classmethod
    def of(cls, result: dict[str, Any] | None) -> ResultSummary | None:  # Any: a result's JSON
        if not result:
            return None
        merchant = result.get("merchant")
        merchant_name = merchant.get("name") if isinstance(merchant, dict) else None
        products = result.get("products")
        first = products[0] if isinstance(products, list) and products else None
        product_name = first.get("name") if isinstance(first, dict) else None
        return cls(
            title=_text(result.get("title")) or _text(merchant_name) or _text(product_name),
            merchant=_text(merchant_name),
            total=_text(result.get("total")),
            currency=_text(result.get("currency")),
            date=_text(result.get("date")),
            counts={k: len(v) for k in COUNTED if isinstance(v := result.get(k), list)},
        )


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int | float) and value != "" else None
