"""A finished receipt job as ``GET /v1/jobs/{id}`` answers it, for the web page to show without
running one (its result a ``ReceiptParse`` with discounts, a tax line, a card payment and a
verdict, its items enriched as the enrich step does). Only ``test_web.py`` uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from foodscan.api.schemas import JobOut
from foodscan.api.summaries import ResultSummary
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_receipt
from foodscan.recognition.receipt.model import (
    Item,
    Merchant,
    Payment,
    ReceiptParse,
    Reconciliation,
    TaxLine,
)
from foodscan.recognition.taxonomy.categories import load_taxonomy


def receipt_job(job_id: str) -> dict[str, Any]:  # Any: JSON
    """A finished receipt job as ``GET /v1/jobs/{id}`` answers it; the result a ``ReceiptParse``."""
    parse = ReceiptParse(
        language="en",
        merchant=Merchant(name="FRESH MARKET", address="12 High Street, London"),
        date="2026-03-14",
        time="09:41",
        currency="GBP",
        items=[
            Item(name="BANANAS LOOSE", quantity=0.845, unit="kg", unit_price="1.29", total="1.09"),
            Item(
                name="WHOLE MILK 2L",
                quantity=2,
                unit="pcs",
                unit_price="2.15",
                total="4.30",
                discount="0.50",
            ),
            Item(name="RYE BREAD", quantity=1, unit="pcs", unit_price="3.40", total="3.40"),
            Item(
                name="OLIVE OIL EXTRA VIRGIN 500ML",
                quantity=1,
                unit="pcs",
                unit_price="6.99",
                total="6.99",
            ),
        ],
        subtotal="15.28",
        tax=[TaxLine(rate="20%", amount="1.17")],
        total="15.28",
        payment=Payment(method="card", card_last4="4321"),
        reconciliation=Reconciliation(status="consistent", difference="0.00"),
    )
    taxonomy = load_taxonomy()
    parse = enrich_receipt(parse, taxonomy, load_keeper(taxonomy))  # the enrich step's fields
    now = datetime.now(UTC).isoformat()
    result = {**parse.model_dump(mode="json"), "text": "FRESH MARKET\nTOTAL 15.28"}
    job = JobOut.model_validate(
        {
            "id": job_id,
            "kind": "receipt",
            "lane": "free",
            "status": "succeeded",
            "step": "save",
            "progress": 100,
            "attempt": 1,
            "max_attempts": 3,
            "cancel_requested": False,
            "position": None,
            "eta_seconds": None,
            "lang": None,
            "options": {},
            "metadata": None,
            "inputs_purged": False,
            "error": None,
            "inputs": [
                {
                    "name": "fresh-market.jpg",
                    "media_type": "image/jpeg",
                    "size": 48213,
                    "sha256": "0" * 64,
                    "pages": 1,
                }
            ],
            "result": result,
            "summary": ResultSummary.of(result),
            "created_at": now,
            "updated_at": now,
            "started_at": now,
            "finished_at": now,
            "links": {"self": f"/v1/jobs/{job_id}", "events": f"/v1/jobs/{job_id}/events"},
        }
    )
    return job.model_dump(mode="json")
