"""Optical character recognition: an image in, text lines in reading order out.

``OcrEngine`` is the seam the pipelines depend on; ``RapidOcrEngine`` implements it with the
``rapidocr`` package and the ONNX models bundled in its wheel. The models load on first use
(importing this module does no I/O), are always given by explicit path so that rapidocr never
takes its download branch, and one instance serialises its calls with a lock. Calls are
synchronous and slow (about a second per photo): run them in a worker thread or process. While it
reads, the engine tells ``reading.progress`` how far it has got: the lines detected, then each
batch of lines recognised (the recogniser's own batches, so the text read is the same).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from foodscan.errors import PermanentError, UnreadableFile
from foodscan.recognition.reading.lattice import Lattice, LatticeTap, best_text
from foodscan.recognition.reading.progress import OcrProgress, ocr_listener, report

logger = logging.getLogger(__name__)

Point = tuple[float, float]

_DET_MODEL = "PP-OCRv6_det_small.onnx"
_REC_MODEL = "PP-OCRv6_rec_small.onnx"
_CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
# Boxes tilted more than this are not text rows of a photographed page; they do not vote.
_MAX_SKEW = math.radians(30)


@dataclass(frozen=True)
class OcrLine:
    """One detected text line: its text, its quadrilateral (4 points, clockwise from the
    top-left, in image pixels) and the recogniser's confidence in (0, 1]. ``alternatives``:
    what the recogniser hesitated over (``lattice``), where the engine reports it (RapidOCR)."""

    text: str
    box: tuple[Point, ...]
    confidence: float
    alternatives: Lattice | None = field(default=None, compare=False, repr=False)


class OcrEngine(Protocol):
    """Reads the text lines of one image, in reading order."""

    def read(
        self, image: Image.Image, lang: str | None = None, upright: bool = False
    ) -> list[OcrLine]:
        """The lines of ``image``; ``lang`` is the job's hint, which one-script engines ignore.

        ``upright``: the page is known to be the right way up (a cookbook page), so no line is
        turned round first; RapidOCR's direction classifier flips some long full-width lines."""
        ...


def _models_dir() -> Path | None:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def ocr_available() -> bool:
    """Whether rapidocr, onnxruntime and the bundled models are installed (loads nothing)."""
    models = _models_dir()
    if models is None or importlib.util.find_spec("onnxruntime") is None:
        return False
    return all((models / name).is_file() for name in (_DET_MODEL, _REC_MODEL, _CLS_MODEL))


def model_params(threads: int | None) -> dict[str, object]:
    """RapidOCR's parameters for the models bundled with rapidocr (and ``threads`` for ONNX
    Runtime); ``PermanentError`` when rapidocr or its models are missing."""
    models = _models_dir()
    if models is None or not ocr_available():
        raise PermanentError("OCR is not available: rapidocr or its bundled models are missing")
    params: dict[str, object] = {
        "Global.log_level": "error",
        "Det.model_path": str(models / _DET_MODEL),
        "Rec.model_path": str(models / _REC_MODEL),
        "Cls.model_path": str(models / _CLS_MODEL),
    }
    if threads is not None:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return params


class RapidOcrEngine:
    """``OcrEngine`` over rapidocr 3.x with its bundled PP-OCRv6 models, CPU only.

    ``threads`` caps onnxruntime's intra-op threads (``None``: all cores); give 1 when several
    engines run side by side in a process pool. ``memory_arena`` keeps onnxruntime's CPU
    memory arena (rapidocr turns it off): the models' tensors are then allocated once and
    reused instead of mapped and unmapped on every read, as the worker's malloc settings
    (``worker.memory``) have every block from 4 MiB; a read costs a third less CPU, and the
    process keeps its largest read's working memory (about 0.6 GB more resident).
    """

    def __init__(
        self, *, threads: int | None = None, min_confidence: float = 0.5, memory_arena: bool = True
    ) -> None:
        self._threads = threads
        self._memory_arena = memory_arena
        self._min_confidence = min_confidence
        self._lock = threading.Lock()
        # rapidocr ships no useful stubs; the object is only called, under the lock.
        self._ocr: Any = None
        self._errors: tuple[type[Exception], ...] = ()

    def _load(self) -> Any:
        params = model_params(self._threads)
        # Heavy imports, deferred to first use.
        from rapidocr import LoadImageError, RapidOCR  # noqa: PLC0415
        from rapidocr.inference_engine.onnxruntime.main import ONNXRuntimeError  # noqa: PLC0415
        from rapidocr.main import RapidOCRError  # noqa: PLC0415
        from rapidocr.utils.process_img import ResizeImgError  # noqa: PLC0415

        # What rapidocr raises for an image it cannot process (e.g. 5000 x 8 pixels).
        self._errors = (LoadImageError, ONNXRuntimeError, RapidOCRError, ResizeImgError)

        params["Global.text_score"] = self._min_confidence
        params["EngineConfig.onnxruntime.enable_cpu_mem_arena"] = self._memory_arena
        logger.info("loading OCR models from %s", _models_dir())
        return _reporting(RapidOCR)(params=params)

    def read(
        self,
        image: Image.Image,
        lang: str | None = None,  # noqa: ARG002 - the OcrEngine hint; RapidOCR reads Latin only
        upright: bool = False,
    ) -> list[OcrLine]:
        """Return the text lines of ``image`` in reading order (see ``group_rows``).

        Raises ``UnreadableFile`` for an image the OCR cannot process (a sliver a few pixels
        high, say) and ``PermanentError`` when the OCR is not installed.
        """
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        with self._lock:
            if self._ocr is None:
                self._ocr = self._load()
            self._ocr.lattices = ()  # set again by this read's recognition, if it has lines
            try:
                # The classifier on for receipts photographed any way up. Always said: rapidocr
                # keeps the last call's setting when given None.
                result = self._ocr(rgb, use_cls=not upright)
            except self._errors as exc:
                size = f"{rgb.width}x{rgb.height}"
                raise UnreadableFile(f"OCR failed on a {size} image: {exc!r}") from exc
            read = list(getattr(self._ocr, "lattices", ()))
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        # The lines rapidocr kept (text read, confident enough), in its order.
        kept: list[Lattice | None] = [
            lattice
            for text, score, lattice in read
            if text.strip() and score >= self._min_confidence
        ]
        if [best_text(x).strip() if x else None for x in kept] != [str(t).strip() for t in texts]:
            kept = [None] * len(texts)  # not matched to the lines read: no alternatives
        lines = [
            OcrLine(
                text=str(text).strip(),
                box=tuple((float(x), float(y)) for x, y in box),
                confidence=min(1.0, max(float(score), 1e-6)),
                alternatives=lattice,
            )
            for box, text, score, lattice in zip(boxes, texts, scores, kept, strict=True)
            if str(text).strip()
        ]
        return [line for row in group_rows(lines) for line in row]


def _reporting(base: type[Any]) -> type[Any]:
    """``base`` (rapidocr's ``RapidOCR``, imported late) reporting its progress as it reads.

    When someone listens (``progress.ocr_listener``), recognition runs batch by batch in the
    order rapidocr's recogniser would take them (sorted by width over height, ``rec_batch_num``
    at a time) and reports after each; every batch holds the same crops as in one call, so the
    text and the scores are the same. Either way each crop's ``lattice`` (what the recogniser
    hesitated over) is tapped from its decoder and left in ``lattices`` for ``read``.
    """

    class ReportingOcr(base):  # type: ignore[misc] # rapidocr ships no stubs
        # The last read's crops as recognised: (text, score, lattice), one per crop.
        lattices: tuple[tuple[str, float, Lattice | None], ...] = ()
        _tapped: list[Lattice | None]

        def _load_rec_model(self) -> Any:
            recogniser = super()._load_rec_model()
            if not isinstance(recogniser.postprocess_op, LatticeTap):
                recogniser.postprocess_op = LatticeTap(recogniser.postprocess_op)
            return recogniser

        def detect_and_crop(self, img: Any, op_record: dict[str, Any]) -> tuple[list[Any], Any]:
            crops, found = super().detect_and_crop(img, op_record)
            report(OcrProgress(len(crops), 0))
            return crops, found

        def recognize_txt(self, img: list[Any]) -> Any:
            self._tapped = [None] * len(img)
            out = self._recognize_txt(img)
            self.lattices = tuple(zip(out.txts, out.scores, self._tapped, strict=True))
            return out

        def _tap(self, img: list[Any], indices: list[int]) -> Any:
            """rapidocr's recognition of the crops ``img[i]`` for ``i`` in ``indices``, each
            crop's lattice kept in ``_tapped``."""
            import numpy as np  # noqa: PLC0415 - loaded with rapidocr, on first use

            tap = self._load_rec_model().postprocess_op
            tap.rows = []
            crops = [img[i] for i in indices]
            out = super().recognize_txt(crops)
            # The recogniser takes the crops by width over height, as here.
            order = np.argsort(np.array([crop.shape[1] / float(crop.shape[0]) for crop in crops]))
            if len(tap.rows) == len(crops):
                for row, position in zip(tap.rows, order, strict=True):
                    self._tapped[indices[int(position)]] = row
            return out

        def _recognize_txt(self, img: list[Any]) -> Any:
            if ocr_listener.get() is None or not img:
                return self._tap(img, list(range(len(img))))
            import numpy as np  # noqa: PLC0415 - loaded with rapidocr, on first use

            size = self._load_rec_model().rec_batch_num
            order = np.argsort(np.array([crop.shape[1] / float(crop.shape[0]) for crop in img]))
            found: dict[int, tuple[Any, Any, Any]] = {}
            last: Any = None  # rapidocr's TextRecOutput of the last batch
            for start in range(0, len(img), size):
                batch = [int(i) for i in order[start : start + size]]
                last = self._tap(img, batch)
                for i, text, score, words in zip(
                    batch, last.txts, last.scores, last.word_results, strict=True
                ):
                    found[i] = (text, score, words)
                report(OcrProgress(len(img), len(found)))
            texts, scores, words = zip(*(found[i] for i in range(len(img))), strict=True)
            return type(last)(img, texts, scores, words, 0.0, viser=last.viser)

    return ReportingOcr


@dataclass(frozen=True)
class _Placed:
    line: OcrLine
    top: float
    bottom: float
    left: float


def _skew(lines: list[OcrLine]) -> float:
    """The page's tilt in radians: the median slope of the top edges of wide boxes."""
    angles = []
    for line in lines:
        (x0, y0), (x1, y1) = line.box[0], line.box[1]
        width = math.hypot(x1 - x0, y1 - y0)
        height = math.hypot(line.box[3][0] - x0, line.box[3][1] - y0)
        angle = math.atan2(y1 - y0, x1 - x0)
        if width >= 2 * height and abs(angle) <= _MAX_SKEW:
            angles.append(angle)
    return statistics.median(angles) if angles else 0.0


def _place(lines: list[OcrLine]) -> list[_Placed]:
    """Each line's extent in the frame of the page, undoing its tilt."""
    angle = _skew(lines)
    cos, sin = math.cos(angle), math.sin(angle)
    placed = []
    for line in lines:
        ys = [y * cos - x * sin for x, y in line.box]
        xs = [x * cos + y * sin for x, y in line.box]
        placed.append(_Placed(line, min(ys), max(ys), min(xs)))
    return placed


def group_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Group lines into printed rows, top to bottom, each row left to right.

    The page's tilt is measured from the boxes and undone first, so that on a photo rotated by
    a few degrees the price at the right of a row is not taken for the next row. Two lines share
    a row when their vertical extents overlap by at least half of the shorter one.
    """
    rows: list[list[_Placed]] = []
    for item in sorted(_place(lines), key=lambda p: (p.top + p.bottom) / 2):
        if rows:
            row = rows[-1]
            top = statistics.fmean(p.top for p in row)
            bottom = statistics.fmean(p.bottom for p in row)
            overlap = min(bottom, item.bottom) - max(top, item.top)
            if overlap >= 0.5 * min(bottom - top, item.bottom - item.top):
                row.append(item)
                continue
        rows.append([item])
    return [[p.line for p in sorted(row, key=lambda p: p.left)] for row in rows]


def row_texts(lines: list[OcrLine], separator: str = "  ") -> list[str]:
    """The text of each printed row, its lines joined by ``separator``."""
    return [separator.join(line.text for line in row) for row in group_rows(lines)]
