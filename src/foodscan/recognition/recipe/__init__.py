"""Recipes: files with text of their own (``sources``), the parts of a recipe in its lines
(``structure``, or a page's schema.org markup: ``schema_org``), ingredient lines parsed
(``ingredients``: English by ingredient-parser-nlp, Polish and Russian by ``ingredients_local``,
units by ``units``), ``durations``, ``language``, OCR repairs (``ocr_text``), the draft turned
into the result (``parse``) and the result models (``model``). Imports only
``foodscan.errors`` from outside recognition.
"""

from __future__ import annotations
