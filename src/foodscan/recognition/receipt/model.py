"""The structured reading of a receipt: the single definition of its fields.

Pipelines return it, the API exports it in OpenAPI, the benchmark scores it. It owns names,
types and descriptions only; how the fields are found lives in ``recognition.receipt``. Amounts
are decimal strings with a dot and two places (``"12.30"``), ``null`` where unknown, so that no
client parses a float or a locale's decimal comma.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from foodscan.recognition.net_quantity import NetQuantity
from foodscan.recognition.storage import Keeps, UseBy

Amount = Annotated[
    str,
    Field(
        pattern=r"^-?\d+\.\d{2}$",
        description="A money amount: a decimal string with a dot and two places, e.g. '12.30'",
        examples=["12.30"],
    ),
]
Language = Literal["en", "pl", "ru"]
Unit = Literal["pcs", "kg", "l"]
PaymentMethod = Literal["card", "cash"]
ReconciliationStatus = Literal["consistent", "mismatch", "needs_review"]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Merchant(_Model):
    """Who issued the receipt, as printed in its header."""

    name: str | None = Field(
        default=None, description="The store name as printed on the first text line"
    )
    address: str | None = Field(
        default=None, description="The store's address lines, joined with ', '"
    )
    tax_id: str | None = Field(
        default=None,
        description="The tax number as printed without its label: NIP, ИНН or VAT No",
    )


class Item(_Model):
    """One purchased line: what, how much, at what price."""

    name: str = Field(description="The item's text as printed (may be truncated or upper-case)")
    quantity: int | float = Field(
        description="Pieces (an integer) for 'pcs'; kilograms (3 decimals) or litres otherwise"
    )
    unit: Unit = Field(description="'pcs', 'kg' (weighed goods) or 'l' (draught drinks)")
    unit_price: Amount | None = Field(
        default=None, description="Price per piece, kilogram or litre"
    )
    total: Amount | None = Field(
        default=None, description="The printed line amount, before any discount"
    )
    discount: Amount | None = Field(
        default=None,
        description="The positive amount of the discount printed under the item; null if none",
    )
    normalized_name: str | None = Field(
        default=None,
        description=(
            "The name made readable: receipt abbreviations written out, the size taken out, "
            "capitals tidied ('MLEKO UHT 3,2% 1L' → 'Mleko UHT 3,2%'); null if not enriched"
        ),
    )
    size: NetQuantity | None = Field(
        default=None,
        description="The net quantity the name carries ('1L', '500G', '4x440ml'); null if none",
    )
    category: str | None = Field(
        default=None,
        description="A category id of foodscan's food taxonomy, e.g. 'milk'; null when unknown",
    )
    category_name: str | None = Field(
        default=None, description="The category's English name, e.g. 'Milk'; null when unknown"
    )
    keeps: Keeps | None = Field(
        default=None,
        description=(
            "How long the food keeps, from the USDA FoodKeeper entry that fits it (an estimate); "
            "null for non-food or when nothing fits"
        ),
    )
    use_by: UseBy | None = Field(
        default=None,
        description=(
            "An estimated use-by date: the receipt's date plus the shortest storage time where "
            "the food is usually kept; null without a date or a time"
        ),
    )


class TaxLine(_Model):
    """One row of the tax summary (PTU, НДС, VAT, sales tax)."""

    rate: str | None = Field(
        default=None, description="The rate as a percentage, e.g. '23%' or '8.60%'"
    )
    amount: Amount | None = Field(default=None, description="The tax amount at that rate")


class Payment(_Model):
    """How the receipt was paid."""

    method: PaymentMethod | None = Field(default=None, description="'card', 'cash' or null")
    card_last4: str | None = Field(
        default=None,
        pattern=r"^\d{4}$",
        description="The last four digits of a card number printed masked; never more",
    )


class Reconciliation(_Model):
    """Whether the items add up to the total."""

    status: ReconciliationStatus = Field(
        description=(
            "'consistent': items - discounts (+ tax where prices are net) equal the total; "
            "'mismatch': they differ; 'needs_review': too little was read to tell"
        )
    )
    difference: Amount | None = Field(
        default=None, description="Total minus the sum of the items; null when not computed"
    )


class ReceiptParse(_Model):
    """What a receipt says: header, items, tax, totals, payment, and how far to trust it."""

    language: Language | None = Field(default=None, description="'en', 'pl', 'ru' or null")
    merchant: Merchant = Field(default_factory=Merchant)
    date: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Purchase date, YYYY-MM-DD"
    )
    time: str | None = Field(
        default=None, pattern=r"^\d{2}:\d{2}$", description="Purchase time, 24-hour HH:MM"
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. 'PLN'"
    )
    items: list[Item] = Field(default_factory=list, description="Line items in printed order")
    subtotal: Amount | None = Field(
        default=None, description="The printed subtotal (SUBTOTAL, ПОДИТОГ); null if none"
    )
    tax: list[TaxLine] = Field(
        default_factory=list, description="One entry per tax rate in the tax summary"
    )
    total: Amount | None = Field(
        default=None, description="The amount to pay (never the cash tendered or the change)"
    )
    payment: Payment = Field(default_factory=Payment)
    reconciliation: Reconciliation = Field(
        default_factory=lambda: Reconciliation(status="needs_review")
    )
    confidence: dict[str, Confidence] = Field(
        default_factory=dict,
        description="Per field (merchant, date, time, currency, items, total, …), 0 to 1",
    )
