"""``NetQuantity``: the result schema of a net quantity, shared by receipt items and products.

A pydantic model (an API edge) built from ``recognition.quantity.Quantity``; it owns names,
types and descriptions only.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from foodscan.recognition.quantity import Quantity


class NetQuantity(BaseModel):
    """A net quantity as printed: ``6 x 0.33 l`` is count 6, value 0.33, unit l."""

    value: float = Field(description="The amount of one pack, in ``unit``")
    unit: str = Field(description="g, kg, mg, ml, cl, dl, l, oz, fl oz, lb, gal (US) or pcs")
    count: int | None = Field(default=None, description="Packs in a multipack, else null")
    text: str = Field(description="The quantity as read")

    @classmethod
    def of(cls, quantity: Quantity) -> NetQuantity:
        return cls(
            value=quantity.value, unit=quantity.unit, count=quantity.count, text=quantity.text
        )
