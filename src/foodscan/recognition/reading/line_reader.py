"""RapidOCR's recogniser alone, for one line already cut out (``reread``'s crops).

``RapidOcrEngine`` detects the lines of a page before it recognises them; on a line crop the
detector would enlarge the image until its short side is 736 px (a 1700 x 120 crop to about
10,000 x 736) and cost seconds. ``RapidLineReader`` gives the crop to the recogniser alone
(tens of milliseconds) and reports one line boxed on the whole crop. Its models are the same
bundled ONNX files, loaded on first use into an instance of its own, under its own lock.
"""

from __future__ import annotations

import threading
from typing import Any

from PIL import Image

from foodscan.recognition.reading.ocr import OcrLine, model_params


class RapidLineReader:
    """``OcrEngine`` for one text line per image: RapidOCR's recogniser, no detection."""

    def __init__(self, *, threads: int | None = None) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        # rapidocr ships no useful stubs; the object is only called, under the lock.
        self._ocr: Any = None

    def _load(self) -> Any:
        params = model_params(self._threads)
        from rapidocr import RapidOCR  # noqa: PLC0415 - heavy, first use

        return RapidOCR(params=params)

    def read(
        self,
        image: Image.Image,
        lang: str | None = None,  # noqa: ARG002 - the OcrEngine hint; RapidOCR reads Latin only
        upright: bool = False,  # noqa: ARG002 - a crop is cut out level
    ) -> list[OcrLine]:
        """The text of ``image`` read as one line, boxed on the whole image (none if empty)."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        with self._lock:
            if self._ocr is None:
                self._ocr = self._load()
            result = self._ocr(rgb, use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        width, height = float(rgb.width), float(rgb.height)
        box = ((0.0, 0.0), (width, 0.0), (width, height), (0.0, height))
        return [
            OcrLine(str(text).strip(), box, min(1.0, max(float(score), 1e-6)))
            for text, score in zip(texts, scores, strict=False)
            if str(text).strip()
        ]
