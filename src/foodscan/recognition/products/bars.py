"""Where the bars are: regions of a photo that look like a 1-D barcode, cut out upright.

A barcode is a patch of strong, parallel edges. The photo (grey, at most ``_SIDE`` pixels) is
cut into small cells; each cell's structure tensor says how much edge it holds and how much of
it runs one way (coherence). Cells with both, whose edges agree in direction with their
neighbours, are joined into regions; each region big enough to be a code is cut out of the
full photo with a margin below for the printed digits, turned so that its bars stand upright,
and scaled so a module is a few pixels wide. ``barcodes.decode`` and ``photo.printed_codes``
read those cut-outs when the photo as a whole gives nothing. NumPy and Pillow only; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from foodscan.recognition.reading.preprocess import longest_run

_SIDE = 800  # the analysis size: cells stay a few modules wide on phone photos
_CELL = 12
_MIN_ENERGY = 0.25  # a cell's edge energy against the photo's strongest cells, to start a region
_GROW_ENERGY = 0.06  # ... and to join one (blurred or faded bars beside sharp ones)
_MIN_COHERENCE = 0.75
_MAX_TURN = math.radians(20)  # neighbours join when their edge directions agree this well
_MIN_CELLS = 6
_MIN_ACROSS = 3  # cells a region spans across its edges: a pack's outline spans one
_REGIONS = 3
# Around a region, as a share of its size: across the bars (the quiet zone and bars the
# cells missed), and along them, where the digits stand (below, or above if it is upside down).
_MARGIN = 0.3
_DIGITS = 0.45
_TARGET_WIDTH = 720  # pixels across the cut-out: about 7 per module of an EAN-13
# Rows (and columns) whose vertical-edge strength is this share of the strongest are the bars'.
_BAND_ROWS = 0.45
_BAND_COLUMNS = 0.25


@dataclass(frozen=True, slots=True)
class _Region:
    cells: int
    angle: float  # the direction of the edges (across the bars), radians
    centres: tuple[tuple[float, float], ...]  # of its cells, in analysis pixels (x, y)


def _tensor(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: edge energy, coherence and the edges' direction."""
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    gy[1:-1, :] = gray[2:, :] - gray[:-2, :]
    rows, cols = gray.shape[0] // _CELL, gray.shape[1] // _CELL

    def cells(values: np.ndarray) -> np.ndarray:
        cut = values[: rows * _CELL, : cols * _CELL]
        return np.asarray(cut.reshape(rows, _CELL, cols, _CELL).sum(axis=(1, 3)))

    jxx, jyy, jxy = cells(gx * gx), cells(gy * gy), cells(gx * gy)
    energy = jxx + jyy
    spread = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    coherence = np.divide(spread, energy, out=np.zeros_like(energy), where=energy > 0)
    angle = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    return energy, coherence, angle


def _turn(a: float, b: float) -> float:
    """The difference of two edge directions (modulo half a turn)."""
    d = abs(a - b) % math.pi
    return min(d, math.pi - d)


def _regions(energy: np.ndarray, coherence: np.ndarray, angle: np.ndarray) -> list[_Region]:
    strong = np.percentile(energy, 98) if energy.size else 0.0
    coherent = (coherence >= _MIN_COHERENCE) & (strong > 0)
    barlike = coherent & (energy >= _GROW_ENERGY * strong)
    seeds = coherent & (energy >= _MIN_ENERGY * strong)
    seen = np.zeros_like(barlike)
    rows, cols = barlike.shape
    found = []
    for start in zip(*np.nonzero(seeds), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack, members = [start], []
        while stack:
            r, c = stack.pop()
            members.append((r, c))
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if (
                    0 <= nr < rows
                    and 0 <= nc < cols
                    and barlike[nr, nc]
                    and not seen[nr, nc]
                    and _turn(angle[nr, nc], angle[r, c]) <= _MAX_TURN
                ):
                    seen[nr, nc] = True
                    stack.append((nr, nc))
        if len(members) >= _MIN_CELLS:
            centres = tuple(((c + 0.5) * _CELL, (r + 0.5) * _CELL) for r, c in members)
            doubled = [2 * float(angle[m]) for m in members]  # directions average mod pi
            mean = 0.5 * math.atan2(sum(map(math.sin, doubled)), sum(map(math.cos, doubled)))
            across = [x * math.cos(mean) + y * math.sin(mean) for x, y in centres]
            if max(across) - min(across) >= (_MIN_ACROSS - 1) * _CELL:
                found.append(_Region(len(members), mean, centres))
    return sorted(found, key=lambda region: -region.cells)[:_REGIONS]


def _cut(image: Image.Image, region: _Region, scale: float, across: float) -> Image.Image:
    """The region from the full photo, upright (bars vertical), digits included, resized.

    The turn is made on a square patch about the region's centre, big enough for the region
    in any direction and filled white beyond the photo: a code turned a quarter near the
    photo's edge would otherwise be turned off the canvas and cut.
    """
    points = [(x / scale, y / scale) for x, y in region.centres]
    cx = sum(x for x, _ in points) / len(points)
    cy = sum(y for _, y in points) / len(points)
    # The region's extent after the turn: its cells' centres on the new axes, plus a cell.
    cos, sin = math.cos(region.angle), math.sin(region.angle)
    half = _CELL / scale
    xs = [(x - cx) * cos + (y - cy) * sin for x, y in points]
    ys = [-(x - cx) * sin + (y - cy) * cos for x, y in points]
    xs += [min(xs) - half, max(xs) + half]
    ys += [min(ys) - half, max(ys) + half]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    box = (
        min(xs) - across * width,
        min(ys) - _DIGITS * height,
        max(xs) + across * width,
        max(ys) + _DIGITS * height,
    )  # about the centre, on the turned axes
    reach = math.ceil(max(map(abs, box)) * math.sqrt(2)) + 2
    patch = Image.new("RGB", (2 * reach, 2 * reach), (255, 255, 255))
    left, top = round(cx) - reach, round(cy) - reach
    inside = (
        max(0, left),
        max(0, top),
        min(image.width, left + 2 * reach),
        min(image.height, top + 2 * reach),
    )
    if inside[0] < inside[2] and inside[1] < inside[3]:
        patch.paste(image.crop(inside), (inside[0] - left, inside[1] - top))
    # Turn the patch about the region's centre so its edges run along x (bars upright).
    centre = (cx - left, cy - top)
    turned = patch.rotate(
        math.degrees(region.angle),
        center=centre,
        resample=Image.Resampling.BICUBIC,
        fillcolor=(255, 255, 255),
    )
    x, y = centre
    crop = turned.crop((round(box[0] + x), round(box[1] + y), round(box[2] + x), round(box[3] + y)))
    factor = _TARGET_WIDTH / max(crop.width, 1)
    size = (max(1, round(crop.width * factor)), max(1, round(crop.height * factor)))
    return crop.resize(size, Image.Resampling.LANCZOS)


def bar_regions(image: Image.Image, across: float = _MARGIN) -> list[Image.Image]:
    """Up to three cut-outs of ``image`` that look like barcodes, largest first, upright,
    with ``across`` times their width beside them each side."""
    gray = image.convert("L")
    scale = min(1.0, _SIDE / max(gray.size))
    if scale < 1.0:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    pixels = np.asarray(gray, dtype=np.float32)
    if min(pixels.shape) < 3 * _CELL:
        return []
    regions = _regions(*_tensor(pixels))
    rgb = image.convert("RGB")
    return [_cut(rgb, region, scale, across) for region in regions]


def bar_rows(gray: np.ndarray) -> tuple[int, int] | None:
    """The first and one-past-last row of the bars of an upright cut-out (grey pixels): the
    longest run of rows rich in vertical edges; none when there is no such run."""
    if min(gray.shape) < _CELL:
        return None
    edges = np.abs(np.diff(gray, axis=1))
    rows = np.convolve(edges.mean(axis=1), np.ones(5) / 5, mode="same")
    if rows.max() <= 0:
        return None
    top, bottom = longest_run((rows > _BAND_ROWS * rows.max()).tolist())
    return (top, bottom) if bottom - top >= _CELL else None


def digit_bands(region: Image.Image) -> list[Image.Image]:
    """Where the digits printed with the bars of an upright cut-out (``bar_regions``) stand.

    The bars are the longest run of rows rich in vertical edges, and their columns those rich
    in them within those rows; the digits stand under the bars (the guard bars reach between
    them), with an EAN-13's or a UPC-A's first digit left of the bars. Three bands: under the
    bars with the bars' feet, under them without, and over them turned half round (a code cut
    out upside down). OCR reads a tight band of small digits where it misses them in the whole
    cut-out.
    """
    gray = np.asarray(region.convert("L"), dtype=np.float32)
    rows = bar_rows(gray)
    if rows is None:
        return []
    top, bottom = rows
    edges = np.abs(np.diff(gray, axis=1))
    columns = np.convolve(edges[top:bottom].mean(axis=0), np.ones(9) / 9, mode="same")
    inside = np.nonzero(columns > _BAND_COLUMNS * columns.max())[0]
    left, right = int(inside.min()), int(inside.max())
    height, width = bottom - top, right - left

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (
            max(0, round(x0)),
            max(0, round(y0)),
            min(region.width, round(x1)),
            min(region.height, round(y1)),
        )

    under = top + height
    return [
        region.crop(
            box(
                left - 0.18 * width,
                under - 0.12 * height,
                right + 0.12 * width,
                under + 0.3 * height,
            )
        ),
        region.crop(
            box(
                left - 0.25 * width,
                under - 0.02 * height,
                right + 0.15 * width,
                under + 0.3 * height,
            )
        ),
        region.crop(
            box(left - 0.12 * width, top - 0.3 * height, right + 0.18 * width, top + 0.12 * height)
        ).rotate(180),
    ]
