"""Repairs of OCR misreads on recipe pages: only spellings that are never meant."""

from __future__ import annotations

from foodscan.recognition.recipe.ocr_text import repair_line


def test_known_ocr_misreads_are_repaired_and_nothing_else() -> None:
    assert repair_line("2 Ibs gold potatoes") == "2 lbs gold potatoes"
    assert repair_line("1 Ib cherry tomatoes") == "1 lb cherry tomatoes"
    assert repair_line("½4 cup honey, ³4 cup sugar") == "¼ cup honey, ¾ cup sugar"
    assert repair_line("Ibiza salt, ½ cup") == "Ibiza salt, ½ cup"
