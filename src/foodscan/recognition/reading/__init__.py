"""Reading: document bytes in, text lines with their boxes out.

``images`` (decoding, orientation), ``pdf`` (text layers, rendering), ``documents`` (text,
HTML, DOCX), ``ocr`` (the ``OcrEngine`` seam and RapidOCR), ``tesseract`` and ``preprocess``
(Cyrillic pages), ``engines`` (which engine reads which script), ``reread``, ``crops`` and
``line_reader`` (a second look at a page's unsure lines), ``lattice`` and ``spelling`` (the
recogniser's second choices, settled by the words of the language), ``line_detector`` and
``unread_rows`` (the rows a Cyrillic page's read skipped), ``stitch`` (several photos of one
long receipt). Importing this package loads no model.
"""

from __future__ import annotations
