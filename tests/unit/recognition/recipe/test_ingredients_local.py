"""The Polish and Russian ingredient grammar: amounts, fractions, ranges and inflected units,
with the unit never left inside the name."""

from __future__ import annotations

from fractions import Fraction

import pytest

from foodscan.recognition.recipe.ingredients_local import amount, parse_local

# ruff: noqa: RUF001


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", Fraction(2)),
        ("1,5", Fraction(3, 2)),
        ("1.25", Fraction(5, 4)),
        ("1/2", Fraction(1, 2)),
        ("½", Fraction(1, 2)),
        ("1 1/2", Fraction(3, 2)),
        ("1 i 1/2", Fraction(3, 2)),
        ("1½", Fraction(3, 2)),
        ("pół", Fraction(1, 2)),
        ("полтора", Fraction(3, 2)),
        ("1/0", None),
        ("szczypta", None),
    ],
)
def test_amounts_are_read_as_exact_fractions(text: str, value: Fraction | None) -> None:
    assert amount(text) == value


@pytest.mark.parametrize(
    ("line", "quantity", "unit", "name"),
    [
        ("1 szklanka mąki", 1, "cup", "mąki"),
        ("2 szklanki mleka", 2, "cup", "mleka"),
        ("pół szklanki cukru", 0.5, "cup", "cukru"),
        ("3 łyżki oliwy", 3, "tbsp", "oliwy"),
        ("1 łyżka miodu", 1, "tbsp", "miodu"),
        ("5 łyżek wody", 5, "tbsp", "wody"),
        ("1 łyżeczka soli", 1, "tsp", "soli"),
        ("½ łyżeczki cynamonu", 0.5, "tsp", "cynamonu"),
        ("1 i 1/2 łyżeczki kurkumy", 1.5, "tsp", "kurkumy"),
        ("szczypta soli", 1, "pinch", "soli"),
        ("2 szczypty pieprzu", 2, "pinch", "pieprzu"),
        ("600 g ogórków", 600, "g", "ogórków"),
        ("600g ogórków", 600, "g", "ogórków"),
        ("1,5 kg ziemniaków", 1.5, "kg", "ziemniaków"),
        ("250 ml śmietany", 250, "ml", "śmietany"),
        ("1 kalafior", 1, None, "kalafior"),
        ("1 стакан муки", 1, "cup", "муки"),
        ("2 стакана молока", 2, "cup", "молока"),
        ("полстакана сахара", 0.5, "cup", "сахара"),
        ("2 ст. л. сахара", 2, "tbsp", "сахара"),
        ("1 ст.л. масла", 1, "tbsp", "масла"),
        ("3 столовые ложки муки", 3, "tbsp", "муки"),
        ("1 ч. л. соды", 1, "tsp", "соды"),
        ("½ ч.л. соли", 0.5, "tsp", "соли"),
        ("щепотка соли", 1, "pinch", "соли"),
        ("2 щепотки перца", 2, "pinch", "перца"),
        ("500 г муки", 500, "g", "муки"),
        ("25г сухарей", 25, "g", "сухарей"),
        ("1 кг картофеля", 1, "kg", "картофеля"),
        ("200 мл сливок", 200, "ml", "сливок"),
    ],
)
def test_leading_amounts_and_units(line: str, quantity: float, unit: str | None, name: str) -> None:
    parsed = parse_local(line)
    assert (parsed.quantity, parsed.unit, parsed.name) == (quantity, unit, name)


@pytest.mark.parametrize(
    ("line", "quantity", "unit", "name"),
    [
        ("сыр пармезан - 75 г", 75, "g", "сыр пармезан"),
        ("молотые белые сухари - 25г", 25, "g", "белые сухари"),
        ("куриное филе без кожи - 4 шт.", 4, "piece", "куриное филе без кожи"),
        ("петрушка - 2 ст л. мелко нарезанной", 2, "tbsp", "петрушка"),
        ("mąka pszenna - 2 szklanki", 2, "cup", "mąka pszenna"),
        ("молоко 500 мл", 500, "ml", "молоко"),
    ],
)
def test_amounts_after_the_name(line: str, quantity: float, unit: str, name: str) -> None:
    parsed = parse_local(line)
    assert (parsed.quantity, parsed.unit, parsed.name) == (quantity, unit, name)


@pytest.mark.parametrize(
    ("line", "low", "high", "unit"),
    [
        ("2-3 ząbki czosnku", 2, 3, "clove"),
        ("2–3 łyżki cukru", 2, 3, "tbsp"),
        ("2 do 3 szklanek bulionu", 2, 3, "cup"),
        ("от 2 до 3 зубчиков чеснока", 2, 3, "clove"),
        ("мука - 200-250 г", 200, 250, "g"),
    ],
)
def test_ranges_keep_both_ends(line: str, low: float, high: float, unit: str) -> None:
    parsed = parse_local(line)
    assert (parsed.quantity, parsed.quantity_max, parsed.unit) == (low, high, unit)


def test_notes_and_preparation_leave_the_name() -> None:
    lemon = parse_local("лимон - 1 шт (цедра и сок)")
    assert (lemon.name, lemon.comment) == ("лимон", "цедра и сок")
    salt = parse_local("соль, черный перец - по вкусу")
    assert (salt.quantity, salt.name, salt.comment) == (None, "соль, черный перец", "по вкусу")
    dill = parse_local("1 łyżka drobno posiekanego koperku")
    assert (dill.name, dill.preparation) == ("koperku", "drobno posiekanego")
    parsley = parse_local("петрушка - 2 ст л. мелко нарезанной")
    assert parsley.preparation == "мелко нарезанной"


@pytest.mark.parametrize(
    "line",
    ["2 łyżki mąki", "3 łyżeczki cukru", "1 szklanka wody", "2 ст. л. масла", "1 ч. л. соли"],
)
def test_no_unit_word_is_left_in_the_name(line: str) -> None:
    name = parse_local(line).name or ""
    for word in ("łyż", "szklank", "ст.", "ч.", "л."):
        assert word not in name
