"""Where on a page to look again, cut out for a second read (``reread``).

A line's crop levelled, padded, enlarged and stretched from black to white; a header row's box
widened to the page's text (the words the engine could not make out lie beside those it read);
the band of ink above the first row read that no line came from (a large bold store name the
engine skipped). Pure image arithmetic (Pillow, numpy); no OCR here.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageOps

from foodscan.recognition.reading.ocr import OcrLine

Box = tuple[tuple[float, float], ...]

# A crop is padded by these shares of the line's height across and along the line (little
# across: a neighbour row's edge reads as stray letters), then enlarged so that the line is
# about _TARGET_PX high (at least _MIN_SCALE, at most _MAX_SCALE times).
_PAD_ACROSS = 0.12
_PAD_ALONG = 0.5
# White paper added around the crop, as a share of the line's height.
_WHITE = 0.3
_TARGET_PX = 64
_MIN_SCALE = 1.5
_MAX_SCALE = 3.0
# A row of pixels is ink when this share of it is darker than _INK of the paper's brightness
# (and not most of it: that is the table or the sheet's shadow); an unread band must be this many
# line heights high to be read.
_INK = 0.6
# Percentile of the lines' ends taken for the ends of the page's text rows.
_TEXT_ENDS = 10
_INK_ROW = (0.004, 0.5)
_MIN_BAND = 0.6


def line_crop(grey: Image.Image, box: Box, scale: float | None = None) -> Image.Image:
    """The line within ``box`` (4 points clockwise from the top-left) cut out of ``grey``
    level, padded, enlarged (``scale``, by default to about 64 px high) and stretched from
    black to white."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box[:4]
    width = max(1.0, math.hypot(x1 - x0, y1 - y0))
    height = max(1.0, math.hypot(x3 - x0, y3 - y0))
    ux, uy = (x1 - x0) / width, (y1 - y0) / width  # along the line
    vx, vy = (x3 - x0) / height, (y3 - y0) / height  # down across it
    along, across = _PAD_ALONG * height, _PAD_ACROSS * height
    corners = [
        (x0 - ux * along - vx * across, y0 - uy * along - vy * across),  # top left
        (x3 - ux * along + vx * across, y3 - uy * along + vy * across),  # bottom left
        (x2 + ux * along + vx * across, y2 + uy * along + vy * across),  # bottom right
        (x1 + ux * along - vx * across, y1 + uy * along - vy * across),  # top right
    ]
    if scale is None:
        scale = scale_for(height)
    size = (
        max(8, round((width + 2 * along) * scale)),
        max(8, round((height + 2 * across) * scale)),
    )
    crop = grey.transform(
        size,
        Image.Transform.QUAD,
        [c for corner in corners for c in corner],
        resample=Image.Resampling.BICUBIC,
        fillcolor=255,
    )
    # White margins, so that the engines see the line alone on paper.
    margin = round(_WHITE * height * scale)
    return ImageOps.expand(ImageOps.autocontrast(crop, cutoff=1), margin, fill=255)


def scale_for(height: float) -> float:
    """How much to enlarge a line ``height`` pixels high."""
    return min(_MAX_SCALE, max(_MIN_SCALE, _TARGET_PX / max(height, 1.0)))


def _axis(box: Box) -> tuple[float, float, float]:
    """The unit vector along ``box``'s top edge, and its length."""
    (x0, y0), (x1, y1) = box[0], box[1]
    width = max(1.0, math.hypot(x1 - x0, y1 - y0))
    return (x1 - x0) / width, (y1 - y0) / width, width


def widened(box: Box, lines: Sequence[OcrLine]) -> Box:
    """``box`` stretched along its own line to where the page's text rows begin and end: the
    10th percentile of the lines' left ends and the 90th of their right ends (a few lines read
    from the table or the sheet's edge lie further out)."""
    ux, uy, width = _axis(box)
    (x0, y0), (x3, y3) = box[0], box[3]
    lefts, rights = [], []
    for line in lines:
        ts = [(x - x0) * ux + (y - y0) * uy for x, y in line.box]
        lefts.append(min(ts))
        rights.append(max(ts))
    lo = min(0.0, float(np.percentile(lefts, _TEXT_ENDS)))
    hi = max(width, float(np.percentile(rights, 100 - _TEXT_ENDS)))
    return (
        (x0 + ux * lo, y0 + uy * lo),
        (x0 + ux * hi, y0 + uy * hi),
        (x3 + ux * hi, y3 + uy * hi),
        (x3 + ux * lo, y3 + uy * lo),
    )


def line_height(line: OcrLine) -> float:
    """The height of ``line``'s box (its left edge)."""
    return math.dist(line.box[0], line.box[3])


def unread_band(grey: Image.Image, lines: Sequence[OcrLine]) -> Box | None:
    """The box of the rows of ink above the first line read, as wide as the page's text rows
    (see ``widened``), when they are at least ``_MIN_BAND`` of a line high; ``None`` when
    nothing was left unread there."""
    if not lines:
        return None
    height = statistics.median(line_height(line) for line in lines)
    lefts = [min(x for x, _ in line.box) for line in lines]
    rights = [max(x for x, _ in line.box) for line in lines]
    left = max(0.0, float(np.percentile(lefts, _TEXT_ENDS)) - height)
    right = min(float(grey.width), float(np.percentile(rights, 100 - _TEXT_ENDS)) + height)
    first = min(y for line in lines for _, y in line.box)
    bottom = first - 0.15 * height
    if bottom < _MIN_BAND * height or right - left < height:
        return None
    pixels = np.asarray(grey.crop((int(left), 0, int(right), int(bottom))), dtype=np.float32)
    paper = float(np.percentile(pixels, 90))
    share = (pixels < _INK * paper).mean(axis=1)
    inked = np.flatnonzero((share > _INK_ROW[0]) & (share < _INK_ROW[1]))
    if inked.size == 0:
        return None
    # The rows of ink nearest the first line, up to the first gap of two line heights.
    top = int(inked[-1])
    for row in inked[::-1]:
        if top - int(row) > 2 * height:
            break
        top = int(row)
    low = int(inked[-1]) + 1
    if low - top < _MIN_BAND * height:
        return None
    return ((left, top), (right, top), (right, low), (left, low))


def crop_to_page(box: Box, cut: Box, scale: float) -> Box:
    """Where ``box``, read on ``line_crop(grey, cut, scale)`` of an upright ``cut``, lies on
    the page."""
    (left, top), (_, _), (_, _), (_, bottom) = cut[:4]
    height = max(1.0, bottom - top)
    x0 = left - _PAD_ALONG * height - _WHITE * height
    y0 = top - _PAD_ACROSS * height - _WHITE * height
    return tuple((x0 + x / scale, y0 + y / scale) for x, y in box)
