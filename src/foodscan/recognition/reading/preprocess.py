"""Page pre-processing before Tesseract reads a photo: find the sheet, even out the light,
level the lines; and map points of the processed page back onto the photo.

Pure image arithmetic (Pillow and numpy) with no OCR in it; ``tesseract.py`` decides when each
step runs. Each step here paid on the 45 synthetic receipts (``scripts/bench_ocr_engines.py``,
Russian receipts read by Tesseract); upscaling by 1.5 did not (item names found 0.83 -> 0.78,
0.45 -> 0.58 s) and is not done.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from foodscan.recognition.reading.ocr import Point

Box = tuple[int, int, int, int]

# The sheet is found on an eighth-size copy: the longest run of columns at least half bright,
# then of rows (within them) a quarter bright, padded by 3% for a tilted sheet. The rest is the
# table, whose grain Tesseract reads as stray letters in front of the lines (Russian item names
# that start their line: 0.57 -> 0.74; Polish 0.48 -> 0.73; 15% faster). A "sheet" outside
# 15-95% of the photo, or on a table less than a third darker, is not cut out (cutting one on
# a pale table lost whole price columns).
_PAPER_DOWNSCALE = 8
_PAPER_COLUMN = 0.5
_PAPER_ROW = 0.25
_PAPER_PAD = 0.03
_PAPER_SHARE = (0.15, 0.95)
_TABLE_DARKER = 0.65
# A tilted sheet's edge columns (and rows) are bright over part of their length only: its box
# reaches on to where they are less than this bright, when that lies beyond _PAPER_REACH pads
# (a receipt turned by 4 degrees lost its top left and bottom right figures, the total among
# them, to the cut). Within that, the pad holds the corners; moved out from one pad on, 19 of
# the 69 Russian test photos were cut wider and the table's grain read as stray letters.
_PAPER_EDGE = 0.1
_PAPER_REACH = 2.0
# The paper's brightness is estimated as the brightest pixel within about this many pixels,
# blurred, and divided out; then the darkest 1% is stretched to black. Faded ink and grey paper
# come out black on white (Russian item names found 0.67 -> 0.83, amounts 0.83 -> 0.99).
_BACKGROUND_PX = 31
_BACKGROUND_DOWNSCALE = 4
_BLACK_PERCENTILE = 1.0


def _otsu(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> int:
    """The grey level that best splits ``pixels`` into two classes (Otsu's method)."""
    share = np.bincount(pixels.ravel(), minlength=256) / pixels.size
    below = np.cumsum(share)
    mean_below = np.cumsum(share * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below))
    # A class left empty (one grey level only) scores nothing rather than NaN.
    return int(np.argmax(np.nan_to_num(between, nan=-1.0)))


def longest_run(flags: Sequence[bool]) -> tuple[int, int]:
    """``(start, end)`` of the longest run of true values (``(0, 0)`` when there is none)."""
    best, start = (0, 0), None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def paper_box(grey: Image.Image) -> Box | None:
    """The box (left, top, right, bottom) of the bright sheet on a darker table, or ``None``
    when there is no such sheet (a scan, a page that fills the photo)."""
    if min(grey.size) < 16 * _PAPER_DOWNSCALE:
        return None
    # Closed (brightest, then darkest nearby), so that the print counts as paper.
    small = grey.reduce(_PAPER_DOWNSCALE).filter(ImageFilter.MaxFilter(3))
    pixels = np.asarray(small.filter(ImageFilter.MinFilter(3)))
    bright = pixels > _otsu(pixels)
    columns = bright.mean(axis=0)
    left, right = longest_run(list(columns >= _PAPER_COLUMN))
    if right <= left:  # no bright column (a line crop, say): no sheet, and no empty mean
        return None
    rows = bright[:, left:right].mean(axis=1)
    top, bottom = longest_run(list(rows >= _PAPER_ROW))
    inside = (right - left) * (bottom - top)
    if not _PAPER_SHARE[0] <= inside / pixels.size <= _PAPER_SHARE[1]:
        return None
    # Around a sheet lies a clearly darker table; else the "sheet" may be a bright part of the
    # page, or of a pale table, and cutting there would cut text off.
    sheet = np.zeros(pixels.shape, dtype=bool)
    sheet[top:bottom, left:right] = True
    if np.median(pixels[~sheet]) > _TABLE_DARKER * np.median(pixels[sheet]):
        return None
    pad_x, pad_y = _PAPER_PAD * grey.width, _PAPER_PAD * grey.height
    # How far the sheet's part-bright edges reach, in the photo's pixels, beyond the pad.
    x0, x1 = (x * _PAPER_DOWNSCALE for x in _edges(columns, left, right, pad_x))
    y0, y1 = (y * _PAPER_DOWNSCALE for y in _edges(rows, top, bottom, pad_y))
    return (
        max(0, int(x0 - pad_x)),
        max(0, int(y0 - pad_y)),
        min(grey.width, int(x1 + pad_x)),
        min(grey.height, int(y1 + pad_y)),
    )


def _edges(bright: np.ndarray[Any, Any], start: int, end: int, pad: float) -> tuple[float, float]:
    """``start`` and ``end`` (of the run of bright columns or rows, on the eighth-size copy)
    moved out to where ``bright`` (their bright shares) falls under ``_PAPER_EDGE``, each only
    where that lies beyond ``_PAPER_REACH`` times ``pad`` (photo pixels): a tilted sheet's
    corners."""
    low, high = start, end
    while low > 0 and bright[low - 1] >= _PAPER_EDGE:
        low -= 1
    while high < len(bright) and bright[high] >= _PAPER_EDGE:
        high += 1
    reach = _PAPER_REACH * pad / _PAPER_DOWNSCALE
    return (
        float(low if start - low > reach else start),
        float(high if high - end > reach else end),
    )


def normalise(grey: Image.Image) -> Image.Image:
    """``grey`` (mode L) with the paper's shading divided out and the ink stretched to black."""
    small = grey.reduce(_BACKGROUND_DOWNSCALE) if min(grey.size) >= 64 else grey
    size = max(3, int(_BACKGROUND_PX * small.width / grey.width) | 1)
    paper = small.filter(ImageFilter.MaxFilter(size)).filter(ImageFilter.GaussianBlur(size / 2))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    ratio = np.asarray(grey, dtype=np.float32) / np.maximum(np.asarray(paper, np.float32), 1.0)
    ratio = np.clip(ratio, 0.0, 1.0)
    black = float(np.percentile(ratio, _BLACK_PERCENTILE))
    stretched = np.clip((ratio - black) / max(1.0 - black, 1e-3), 0.0, 1.0)
    return Image.fromarray((stretched * 255).astype(np.uint8))


def rotate(page: Image.Image, angle: float) -> Image.Image:
    """``page`` turned anticlockwise by ``angle`` degrees, grown to fit, on white."""
    if not angle:
        return page
    return page.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def unrotate(
    point: Point, angle: float, turned: tuple[int, int], original: tuple[int, int]
) -> Point:
    """Where a point of ``rotate(page, angle)`` (of size ``turned``) lies on ``page`` (of size
    ``original``); ``Image.rotate(expand=True)`` keeps the two centres on each other."""
    theta = math.radians(angle)
    dx, dy = point[0] - turned[0] / 2, point[1] - turned[1] / 2
    x = dx * math.cos(theta) - dy * math.sin(theta) + original[0] / 2
    y = dx * math.sin(theta) + dy * math.cos(theta) + original[1] / 2
    return (round(x, 1), round(y, 1))
