"""Provenance paths: every non-null leaf of a result, attributed by exact path, rule or default."""

from __future__ import annotations

from foodscan.recognition.provenance import Source, attribute, field_paths, generic
from foodscan.recognition.receipt.model import Item, Merchant, ReceiptParse

OCR = Source(engine="rapidocr", step="parse")


def _receipt() -> ReceiptParse:
    return ReceiptParse(
        merchant=Merchant(name="SHOP"),
        items=[
            Item(name="MILK", quantity=1, unit="pcs", total="2.00"),
            Item(name="BREAD", quantity=2, unit="pcs", total="3.00", unit_price="1.50"),
        ],
        total="5.00",
        confidence={"total": 0.9},
    )


def test_paths_cover_every_non_null_leaf_and_skip_what_is_asked() -> None:
    paths = list(field_paths(_receipt(), frozenset({"confidence"})))
    assert "merchant.name" in paths
    assert "merchant.address" not in paths
    assert "items[1].unit_price" in paths
    assert "items[0].unit_price" not in paths
    assert "reconciliation.status" in paths
    assert "confidence" not in paths
    assert generic("items[12].name") == "items[].name"


def test_known_paths_beat_rules_and_rules_beat_the_default() -> None:
    llm = Source(engine="llm:m", step="ask_llm")
    rules = {"reconciliation": Source(engine="rules", step="parse"), "items[].unit": OCR}
    out = attribute(
        _receipt(),
        default=Source(engine="tesseract", step="parse"),
        rules=rules,
        known={"items[1].name": llm},
        skip=frozenset({"confidence"}),
    )
    assert out["items[1].name"] == llm
    assert out["items[0].name"].engine == "tesseract"
    assert out["items[0].unit"] == OCR
    assert out["reconciliation.status"].engine == "rules"
    assert "confidence" not in out
