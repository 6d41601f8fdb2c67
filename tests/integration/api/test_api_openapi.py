"""The served OpenAPI document carries each kind's result schema, with the names clients use."""

from __future__ import annotations

from tests.integration.api.support import Api

RECEIPT_FIELDS = {
    "language", "merchant", "date", "time", "currency", "items", "subtotal", "tax", "total",
    "payment", "reconciliation", "confidence", "lines",
}  # fmt: skip
ITEM_FIELDS = {"name", "quantity", "unit", "unit_price", "total", "discount"}


async def test_a_jobs_result_is_one_of_the_kinds_result_schemas(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    result = schemas["JobOut"]["properties"]["result"]
    refs = {option.get("$ref", "").rsplit("/", 1)[-1] for option in result["anyOf"]}
    assert {"ReceiptResult", "RecipeResult", "ProductsResult"} <= refs
    for name in refs - {""}:
        assert name in schemas, f"{name} is referred to but not defined"


async def test_the_receipt_result_schema_has_the_contract_names(api: Api) -> None:
    schemas = (await api.client.get("/openapi.json")).json()["components"]["schemas"]

    receipt = schemas["ReceiptResult"]["properties"]
    item = schemas["Item"]["properties"]
    assert set(receipt) >= RECEIPT_FIELDS
    assert set(item) >= ITEM_FIELDS
    assert set(schemas["RecipeResult"]["properties"]) >= {
        "title",
        "servings",
        "ingredients",
        "steps",
    }
