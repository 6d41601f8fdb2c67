"""Reading recipe files with text of their own: schema.org JSON-LD and microdata in a saved
page, the page's visible text when it has none, a DOCX, plain text; and refusing bombs."""

from __future__ import annotations

import json

import pytest

from foodscan.errors import UnreadableFile
from foodscan.recognition.reading.documents import DOCX, HTML, TEXT
from foodscan.recognition.recipe.model import RecipeSource
from foodscan.recognition.recipe.parse import build_recipe
from foodscan.recognition.recipe.sources import read_document
from foodscan.recognition.recipe.structure import find_structure
from tests.unit.recognition.recipe.conftest import DocxFactory, zip_bytes

JSON_LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebPage", "name": "Not the recipe"},
        {
            "@type": ["Recipe"],
            "name": "Soup &amp; bread",
            "recipeYield": ["4", "4 servings"],
            "prepTime": "PT0H15M",
            "cookTime": "PT1H",
            "inLanguage": "en-GB",
            "url": "https://example.org/soup",
            "recipeIngredient": ["2 cups water", "1 <b>large</b> onion, chopped"],
            "recipeInstructions": [
                {
                    "@type": "HowToSection",
                    "name": "Soup",
                    "itemListElement": [
                        {"@type": "HowToStep", "text": "Boil the water."},
                        {"@type": "HowToStep", "text": "Add the onion."},
                    ],
                },
                "Serve with bread.",
            ],
        },
    ],
}


def page(head: str = "", body: str = "") -> bytes:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>{body}</body></html>".encode()


def test_json_ld_recipe_is_read_from_the_markup() -> None:
    script = f'<script type="application/ld+json">{json.dumps(JSON_LD)}</script>'
    document = read_document(page(head=script, body="<p>Chatter about soup</p>"), HTML)
    assert document.method == "json-ld"
    draft = document.draft
    assert draft is not None
    assert draft.title == "Soup & bread"
    assert draft.yields == "4 servings"
    assert draft.times == {"prep": "PT15M", "cook": "PT1H"}
    assert draft.ingredients == ["2 cups water", "1 large onion, chopped"]
    assert draft.steps == ("Boil the water.", "Add the onion.", "Serve with bread.")
    assert (draft.language, draft.url) == ("en-GB", "https://example.org/soup")


MICRODATA = """
<div itemscope itemtype="https://schema.org/Recipe">
  <h1 itemprop="name">Pierogi ruskie</h1>
  <span itemprop="recipeYield">6 porcji</span>
  <meta itemprop="totalTime" content="PT1H30M">
  <ul><li itemprop="recipeIngredient">500 g mąki</li>
      <li itemprop="recipeIngredient">1 szklanka wody</li></ul>
  <div itemprop="recipeInstructions">Zagnieść ciasto.</div>
</div>
"""


def test_microdata_recipe_is_read_when_there_is_no_json_ld() -> None:
    document = read_document(page(body=MICRODATA), HTML)
    assert document.method == "microdata"
    assert document.draft is not None
    recipe = build_recipe(document.draft, RecipeSource(media_type=HTML, method=document.method))
    assert (recipe.title, recipe.servings, recipe.times.total) == ("Pierogi ruskie", 6, "PT1H30M")
    assert [(i.quantity, i.unit, i.name) for i in recipe.ingredients] == [
        (500, "g", "mąki"),
        (1, "cup", "wody"),
    ]
    assert recipe.language == "pl"  # the words say so, whatever the page's lang='en' claims


def test_a_page_without_markup_falls_back_to_its_visible_text() -> None:
    body = """<nav>Home</nav><h1>Lemonade</h1><p>Serves 2</p>
    <h2>Ingredients</h2><ul><li>2 lemons</li><li>1 tbsp sugar</li></ul>
    <h2>Instructions</h2><ol><li>Squeeze the lemons.</li><li>Stir in the sugar.</li></ol>
    <script>var hidden = "1 cup of nothing";</script>"""
    document = read_document(page(body=body), HTML)
    assert document.method == "html-text"
    assert document.draft is None
    draft = find_structure(document.lines)
    assert draft.ingredients == ["2 lemons", "1 tbsp sugar"]
    assert draft.steps == ("Squeeze the lemons.", "Stir in the sugar.")
    assert draft.yields == "2"


def test_docx_paragraphs_and_lists_are_read_in_order(docx_file: DocxFactory) -> None:
    data = docx_file("Omelette", ["3 eggs", "1 tbsp butter"], ["Beat the eggs.", "Fry them."])
    document = read_document(data, DOCX)
    assert document.method == "docx"
    draft = find_structure(document.lines)
    assert (draft.title, draft.yields) == ("Omelette", "4")
    assert draft.ingredients == ["3 eggs", "1 tbsp butter"]
    assert draft.steps == ("Beat the eggs.", "Fry them.")


def test_a_docx_that_unpacks_too_large_is_refused_before_inflating() -> None:
    bomb = zip_bytes({"word/document.xml": b"<w/>", "word/media/x.bin": b"\0" * 60_000_000})
    assert len(bomb) < 200_000
    with pytest.raises(UnreadableFile, match="unpacks to"):
        read_document(bomb, DOCX)


def test_plain_text_must_be_utf8() -> None:
    assert read_document(b"Zupa\n- 1 l wody\n", TEXT).lines == ["Zupa", "- 1 l wody"]
    with pytest.raises(UnreadableFile):
        read_document("Zupa z łososia".encode("cp1250"), TEXT)
