"""What each kind asks the vision-LLM: the instructions, the images and text it is shown, and the
result model (``structured.Shape``) its answer must match.

Products: every photo of the job, in one request, for the ``ProductsResult`` products. Receipts
and recipes: the pages (as images, when there are any) and the text read offline, for a
``ReceiptParse`` or a ``RecipeParse``. Fields that other steps own (reconciliation, per-field
confidence, the taxonomy's fields, the catalogue's) are not asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from foodscan.llm.client import LlmProvider
from foodscan.llm.photos import image_part
from foodscan.llm.structured import Shape, ask
from foodscan.llm.usage import Usage
from foodscan.recognition.products.model import Product, ProductsResult
from foodscan.recognition.receipt.model import ReceiptParse
from foodscan.recognition.recipe.model import RecipeParse, RecipeSource

if TYPE_CHECKING:  # the openai package is the [llm] extra: its types only for mypy
    from openai.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam

MAX_TEXT_CHARS = 20_000
# Filled by the enrichment step from foodscan's taxonomy, never by the model.
ENRICHED = frozenset({"category", "category_name", "normalized_name", "size"})
PRODUCT_CATEGORY = frozenset({"category", "category_name"})

PRODUCTS = (
    "You read photos of grocery products. The photos are numbered from 0 in the order given. "
    "Answer with JSON that matches the schema: one entry per distinct product; the front and "
    "the back of one product are one entry, and `photos` lists every photo that shows it. "
    "`name`: the product's name as printed, without the brand. `brand`: the brand. "
    "`quantity`: the net quantity (`value`; `unit` one of g, kg, mg, ml, cl, dl, l, oz, fl oz, "
    "lb, pcs; `count` the packs of a multipack, else null; `text` as printed). `category`: a "
    "short lowercase English food category id such as milk, oat_milk, juice, yoghurt, apple, "
    "bread, cheese; `category_name` its English name. `barcodes`: the digits printed under a "
    "barcode (format EAN-13, EAN-8, UPC-A or UPC-E; source 'text'). `text`: the packaging text "
    "you can read, one line per row. `confidence`: 0 to 1. Use null for what the photos do "
    "not show; never guess a barcode."
)
RECEIPT = (
    "You read shop receipts (English, Polish, Russian). Answer with JSON that matches the "
    "schema. Amounts are decimal strings with a dot and two places ('12.30'). `date` is "
    "YYYY-MM-DD, `time` HH:MM (24-hour), `currency` an ISO 4217 code (zł is PLN, ₽ is RUB). "
    "`items` in printed order: `quantity` is pieces for unit 'pcs', kilograms for 'kg', litres "
    "for 'l'; `total` the printed line amount before any discount; `discount` the positive "
    "discount printed under the item. `total` is the amount to pay, never the cash tendered "
    "or the change. `card_last4`: only the last four digits of a masked card number. Use null "
    "where the receipt does not say."
)
RECIPE = (
    "You read recipes. Answer with JSON that matches the schema. `servings`: the first whole "
    "number of `yields`; `yields` as written. `times` as ISO 8601 durations (PT1H30M). "
    "`ingredients`: one entry per ingredient line, `text` as written, then `quantity` (the "
    "first amount as a number; the low end of a range, `quantity_max` its high end), `unit` "
    "(g, kg, ml, l, tsp, tbsp, cup, oz, lb, pinch, piece, clove, …), `name`, `preparation`, "
    "`comment` and `confidence` (0 to 1). `ingredient_groups`: null unless the list has titled "
    "parts. `steps` in order. `language`: en, pl, ru or another ISO 639-1 code."
)


@cache
def products_shape() -> Shape[ProductsResult]:
    return Shape.of(
        ProductsResult,
        omit={
            "ProductsResult": {"provenance", "llm"},
            # The category is asked for (a taxonomy id is checked in ``merge``); the rest of
            # the taxonomy's fields and the catalogue's are not.
            "Product": {"source", "nutrition", "allergens"} | (ENRICHED - PRODUCT_CATEGORY),
        },
        given={"photos"},
    )


@cache
def receipt_shape() -> Shape[ReceiptParse]:
    return Shape.of(
        ReceiptParse, omit={"ReceiptParse": {"reconciliation", "confidence"}, "Item": ENRICHED}
    )


@cache
def recipe_shape() -> Shape[RecipeParse]:
    return Shape.of(RecipeParse, omit={"Ingredient": ENRICHED}, given={"source"})


def _messages(
    instructions: str, images: Sequence[str], text: str, lang: str | None, label: str
) -> list[ChatCompletionMessageParam]:
    parts: list[ChatCompletionContentPartParam] = []
    for index, url in enumerate(images):
        parts += [{"type": "text", "text": f"{label} {index}:"}, image_part(url)]
    if text.strip():
        parts.append({"type": "text", "text": text[:MAX_TEXT_CHARS]})
    if lang:
        parts.append({"type": "text", "text": f"The sender's language hint: {lang}."})
    return [{"role": "system", "content": instructions}, {"role": "user", "content": parts}]


async def read_products(
    llm: LlmProvider,
    images: Sequence[str],
    usage: Usage,
    *,
    barcodes: Sequence[str] = (),
    lang: str | None = None,
) -> list[Product]:
    """The products the photos (data URLs, in upload order) show."""
    hint = f"Barcodes decoded from the photos: {', '.join(barcodes)}." if barcodes else ""
    messages = _messages(PRODUCTS, images, hint, lang, "Photo")
    answer = await ask(llm, products_shape(), messages, usage, given={"photos": []})
    return answer.products


async def read_receipt(
    llm: LlmProvider, images: Sequence[str], text: str, usage: Usage, lang: str | None = None
) -> ReceiptParse:
    """The receipt its pages (data URLs) and its text read offline (which may be wrong) show."""
    offline = f"Text read from the receipt offline (it may have errors):\n{text}" if text else ""
    messages = _messages(RECEIPT, images, offline, lang, "Page")
    return await ask(llm, receipt_shape(), messages, usage)


async def read_recipe(
    llm: LlmProvider,
    images: Sequence[str],
    text: str,
    usage: Usage,
    *,
    source: RecipeSource,
    lang: str | None = None,
) -> RecipeParse:
    """The recipe its pages (data URLs) and its text show."""
    offline = f"The recipe's text:\n{text}" if text else ""
    messages = _messages(RECIPE, images, offline, lang, "Page")
    return await ask(llm, recipe_shape(), messages, usage, given={"source": source.model_dump()})
