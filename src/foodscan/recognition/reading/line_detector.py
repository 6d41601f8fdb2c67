"""RapidOCR's text-line detector alone: where a page's lines are, without reading them.

Tesseract's own page segmentation skips some rows of a Cyrillic page (a large bold store name,
a row of figures at the right edge); RapidOCR's detector (the bundled PP-OCR detection model)
finds them, as it finds every line of a Latin page. ``RapidLineDetector`` runs the detection
model only (no direction classifier, no recogniser) and gives each line's quadrilateral;
``unread_rows`` decides which of them the page's read missed. Its models are the same bundled
ONNX files as ``RapidOcrEngine``'s, loaded on first use into an instance of its own, under its
own lock.
"""

from __future__ import annotations

import threading
from typing import Any

from PIL import Image

from foodscan.recognition.reading.ocr import (
    model_params,
    ocr_available,
)

Box = tuple[tuple[float, float], ...]


class RapidLineDetector:
    """The text lines' boxes on a page (4 points clockwise from the top-left, in pixels)."""

    def __init__(self, *, threads: int | None = None) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        # rapidocr ships no useful stubs; the object is only called, under the lock.
        self._ocr: Any = None

    def available(self) -> bool:
        """Whether rapidocr and its bundled models are installed (loads nothing)."""
        return ocr_available()

    def _load(self) -> Any:
        params = model_params(self._threads)
        from rapidocr import RapidOCR  # noqa: PLC0415 - heavy, first use

        return RapidOCR(params=params)

    # rapidocr's own scale (the shorter side to 736 px) is kept: reduced to 1280 or 960 px on
    # the longer side, detection costs 0.34 or 0.19 s of CPU a page instead of 0.80 and finds
    # as many boxes (1,046 against 1,048 on 16 Russian receipts), but boxes a bold name so that
    # its crop reads worse (ru dev merchant 93% -> 87% at 1280; all items 93% -> 87% at 960).
    def boxes(self, image: Image.Image) -> list[Box]:
        """The boxes of the text lines the detector finds on ``image``, top to bottom."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        with self._lock:
            if self._ocr is None:
                self._ocr = self._load()
            result = self._ocr(rgb, use_det=True, use_cls=False, use_rec=False)
        found = getattr(result, "boxes", None)
        if found is None:
            return []
        boxes = [tuple((float(x), float(y)) for x, y in box) for box in found]
        return sorted(boxes, key=lambda box: sum(y for _, y in box))
