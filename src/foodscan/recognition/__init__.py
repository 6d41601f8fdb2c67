"""Recognition: turn document bytes into text, and text into structured fields.

Pure, synchronous code run by the worker in a thread or process pool, one package per part:
``reading`` (images, PDFs, text documents, OCR engines), ``receipt``, ``recipe`` and
``products`` (parsers and result schemas of each kind), ``taxonomy`` (food categories and
brands), ``enrich`` (normalised names, sizes, categories). ``quantity``, ``net_quantity`` and
``provenance`` are shared by the kinds. It imports only ``foodscan.errors``; it must not touch
the database, the job queue, settings or the network, and importing it loads no model.
"""

from __future__ import annotations
