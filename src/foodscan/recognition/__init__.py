"""Recognition: turn document bytes into text, and text into structured fields.

Pure, synchronous code run by the worker in a thread or process pool: image decoding
(``images``), PDF text layers and page rendering (``pdf``), OCR (``ocr``) and parsers
(``receipt_parse``). It imports only ``foodscan.errors``; it must not touch the database, the
job queue, settings or the network, and importing it loads no model.
"""

from __future__ import annotations
