"""Enrichment, shared by every kind: normalised names, sizes and food categories.

``names`` turns a receipt line's text into a readable name and the net quantity it carries
(``MLEKO UHT 3,2% 1L`` → ``Mleko UHT 3,2%`` and 1 l), expanding receipt shorthand through
``abbreviations`` and reading sizes through ``sizes``; ``categorise`` names the food category of
a name from the one taxonomy file (``recognition.taxonomy``); ``results`` adds these fields to
the receipt, recipe and products results. This package imports nothing from its modules here,
so that importing one of them stays cheap.
"""
