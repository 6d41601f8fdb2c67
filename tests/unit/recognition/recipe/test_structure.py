"""Finding a recipe's parts in its lines: titles, yields, times, headers in three languages,
groups, wrapped lines (as a PDF or a photo breaks them) and texts without headers."""

from __future__ import annotations

from foodscan.recognition.recipe.structure import find_structure

# ruff: noqa: RUF001

PLAIN = """Pancakes

Servings: 4 servings
Prep time: 10 minutes
Cook time: 1 hour 5 mins

Ingredients:
- 2 eggs
- 1 1/2 cups flour

Instructions:
1. Whisk the eggs.
2. Fold in the flour.
"""


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_plain_text_recipe_gives_every_part() -> None:
    draft = find_structure(lines(PLAIN))
    assert draft.title == "Pancakes"
    assert draft.yields == "4 servings"
    assert draft.times == {"prep": "PT10M", "cook": "PT1H5M"}
    assert draft.ingredients == ["2 eggs", "1 1/2 cups flour"]
    assert draft.steps == ("Whisk the eggs.", "Fold in the flour.")


def test_markdown_headings_bullets_and_emphasis() -> None:
    text = """# **Tomato soup**

Serves 2

## Ingredients
* 4 tomatoes*
* salt

## Method
1) Chop the *tomatoes*.
2) Simmer for 20 minutes.

## Notes
Keeps for two days.
"""
    draft = find_structure(lines(text))
    assert draft.title == "Tomato soup"
    assert draft.yields == "2"
    assert draft.ingredients == ["4 tomatoes*", "salt"]  # a footnote mark is not emphasis
    assert draft.steps == ("Chop the tomatoes.", "Simmer for 20 minutes.")


def test_polish_and_russian_headers() -> None:
    polish = find_structure(
        lines("Mizeria\nPorcje: 4\nSkładniki:\n- 2 ogórki\nPrzygotowanie:\n1. Pokroić.\n")
    )
    assert (polish.title, polish.yields, polish.ingredients, polish.steps) == (
        "Mizeria", "4", ["2 ogórki"], ("Pokroić.",)
    )  # fmt: skip
    russian = find_structure(
        lines("Борщ\nИнгредиенты:\n- свёкла - 2 шт.\nПриготовление:\n1. Сварить.\n")
    )
    assert (russian.title, russian.ingredients, russian.steps) == (
        "Борщ", ["свёкла - 2 шт."], ("Сварить.",)
    )  # fmt: skip


def test_wrapped_lines_are_joined_again() -> None:
    text = """A very long title about grilled swordfish with basil and
tomato salad
Ingredients:
- 1 large courgette peeled into ribbons all around the edge, centre grated or
  finely chopped
- 200g spaghetti
Instructions:
1. Heat the oil in a large frying pan over a medium heat. Add the onion
and soften for 5 mins.
2. Serve.
"""
    draft = find_structure(lines(text))
    assert draft.title == "A very long title about grilled swordfish with basil and tomato salad"
    courgette = "1 large courgette peeled into ribbons all around the edge, centre grated or"
    assert draft.ingredients == [f"{courgette} finely chopped", "200g spaghetti"]
    heat = "Heat the oil in a large frying pan over a medium heat. Add the onion"
    assert draft.steps == (f"{heat} and soften for 5 mins.", "Serve.")


def test_sub_headings_make_ingredient_groups() -> None:
    text = """Buns
Ingredients:
For the dough:
- 4 cups flour
- 2 eggs
Glaze:
- 1/3 cup sugar
Instructions:
1. Bake.
"""
    draft = find_structure(lines(text))
    assert [(g.purpose, g.lines) for g in draft.groups] == [
        ("For the dough", ("4 cups flour", "2 eggs")),
        ("Glaze", ("1/3 cup sugar",)),
    ]


def test_paragraph_steps_without_numbers() -> None:
    text = (
        "Toast\n\nIngredients\n\n1 slice bread\nbutter\n\n"
        "Directions\n\nToast the bread\nuntil golden.\n\nSpread the butter.\n"
    )
    draft = find_structure(lines(text))
    assert draft.ingredients == ["1 slice bread", "butter"]
    assert draft.steps == ("Toast the bread until golden.", "Spread the butter.")


def test_a_text_without_headers_is_split_by_what_its_lines_look_like() -> None:
    step = "Cut everything and mix it in a bowl with the salt, then serve."
    text = f"Quick salad\n2 tomatoes\n1 cucumber\nsalt\n{step}\n"
    draft = find_structure(lines(text))
    assert draft.title == "Quick salad"
    assert draft.ingredients == ["2 tomatoes", "1 cucumber", "salt"]
    assert draft.steps == (step,)
