"""The ``products`` kind as the API sees it: 1 to 10 photos of grocery products → the products
they show (``ProductsResult``).

Its steps run in ``pipelines.products``.
"""

from __future__ import annotations

from foodscan.pipelines.kinds import Kind, Stage, ask_llm
from foodscan.recognition.products.model import ProductsResult

PRODUCTS = Kind(
    kind="products",
    result_model=ProductsResult,
    accepts=frozenset({"image/jpeg", "image/png", "image/webp"}),
    max_files=10,
    steps=(
        Stage("validate", 5, "Checking the photos"),
        Stage("read_photos", 80, "Reading barcodes and packaging text"),
        Stage("look_up", 5, "Looking barcodes up in the catalogue"),
        Stage("merge", 5, "Matching photos to products"),
        ask_llm(15),
        Stage("enrich", 2, "Sorting the products"),
        Stage("save", 5, "Saving the result"),
    ),
)
