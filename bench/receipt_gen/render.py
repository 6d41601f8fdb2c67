"""A sheet printed: a photo-like image (Pillow, DejaVu or Liberation fonts, paper, ink, mild
blur, noise, rotation, JPEG), or the OCR lines a perfect reader would return (text mode).

Both place each cell of a row (text runs split at two or more spaces) at its column, so the
text mode's boxes stand where the image's text does. Either may add a stray mark left of the
store name (a logo's dot, a scratch), the OCR noise the parser must drop.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from foodscan.recognition.reading.ocr import OcrLine
from receipt_gen.sheet import Sheet

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/liberation2"),
)
_BOLD = {"DejaVuSansMono": "DejaVuSansMono-Bold", "DejaVuSans": "DejaVuSans-Bold"}
_LIBERATION = {"DejaVuSansMono": "LiberationMono-Regular", "DejaVuSans": "LiberationSans-Regular"}
_CELL = re.compile(r"\S+(?: \S+)*")
_MARGIN = 28
_STRAY_MARKS = ("1", "|", "•", "'", ":")


@dataclass(frozen=True)
class Style:
    """How one receipt is printed: font, size, line pitch, and whether a stray mark shows."""

    font: str
    size: int
    pitch: float
    stray: str | None


def style_for(font: str, rng: random.Random) -> Style:
    """A random print style for a layout's font (Liberation instead where it is installed)."""
    if rng.random() < 0.4 and _font_file(_LIBERATION.get(font, "")) is not None:
        font = _LIBERATION[font]
    stray = rng.choice(_STRAY_MARKS) if rng.random() < 0.25 else None
    return Style(font, rng.randint(20, 26), rng.uniform(1.3, 1.7), stray)


def _font_file(name: str) -> Path | None:
    for folder in _FONT_DIRS:
        if (path := folder / f"{name}.ttf").is_file():
            return path
    return None


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = _font_file(name) or _font_file("DejaVuSansMono")
    if path is None:
        raise FileNotFoundError("no DejaVu or Liberation font installed")
    return ImageFont.truetype(str(path), size)


def _cells(text: str) -> list[tuple[int, str]]:
    """The row's cells with their starting column (a run split at two or more spaces)."""
    return [(m.start(), m.group()) for m in _CELL.finditer(text) if m.group().strip()]


def _first_text_row(sheet: Sheet) -> int:
    return next(i for i, row in enumerate(sheet.rows) if row.text.strip())


def lines_of(sheet: Sheet, style: Style) -> list[tuple[OcrLine, str]]:
    """The OCR lines of the sheet as a perfect reader returns them (text mode), each with
    its row's role ("total") or else its section ("header", "items", "footer")."""
    advance, height = style.size * 0.6, float(style.size)
    lines, top = [], float(_MARGIN)
    first = _first_text_row(sheet)
    for index, row in enumerate(sheet.rows):
        scale = 2 if row.big else 1
        for column, cell in _cells(row.text):
            left = _MARGIN + column * advance * scale
            right = left + len(cell) * advance * scale
            box = (
                (left, top),
                (right, top),
                (right, top + height * scale),
                (left, top + height * scale),
            )
            lines.append((OcrLine(cell, box, 0.97), row.role or row.section))
        if index == first and style.stray:
            left = _MARGIN + max(_cells(row.text)[0][0] - 2, 0) * advance
            box = (
                (left, top),
                (left + advance, top),
                (left + advance, top + height),
                (left, top + height),
            )
            lines.append((OcrLine(style.stray, box, 0.6), "header"))
        top += height * style.pitch * scale
    return lines


def _paper(sheet: Sheet, style: Style, rng: random.Random) -> Image.Image:
    font = _font(style.font, style.size)
    big = _font(style.font, style.size * 2)
    bold = _font(_BOLD.get(style.font, style.font), style.size)
    advance = font.getlength("0")
    height = sum(style.size * style.pitch * (2 if r.big else 1) for r in sheet.rows)
    size = (int(2 * _MARGIN + advance * sheet.width), int(2 * _MARGIN + height))
    shade = rng.randint(232, 250)
    page = Image.new("RGB", size, (shade, shade - rng.randint(0, 6), shade - rng.randint(2, 12)))
    draw = ImageDraw.Draw(page)
    ink = (rng.randint(15, 70),) * 3
    top = float(_MARGIN)
    first = _first_text_row(sheet)
    for index, row in enumerate(sheet.rows):
        face = big if row.big else bold if row.bold else font
        scale = 2 if row.big else 1
        for column, cell in _cells(row.text):
            draw.text((_MARGIN + column * advance * scale, top), cell, font=face, fill=ink)
        if index == first and style.stray:
            column = max(_cells(row.text)[0][0] - 2, 0)
            draw.text((_MARGIN + column * advance, top), style.stray, font=font, fill=ink)
        top += style.size * style.pitch * scale
    return page


HARD = ("blur", "lowcontrast", "tilt")


def _harden(photo: Image.Image, hard: str, desk: tuple[int, ...]) -> Image.Image:
    """A harder photo: strong blur, faded ink on grey paper, or a steeper tilt."""
    if hard == "blur":
        return photo.filter(ImageFilter.GaussianBlur(1.5))
    if hard == "lowcontrast":
        pixels = np.asarray(photo).astype(np.float32)
        return Image.fromarray(np.clip(110 + pixels * 0.45, 0, 255).astype(np.uint8))
    if hard == "tilt":
        return photo.rotate(4.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=desk)
    return photo


def image_of(sheet: Sheet, style: Style, rng: random.Random, hard: str = "") -> bytes:
    """The sheet as a JPEG photo: on a desk, slightly turned, blurred, noisy, compressed;
    ``hard`` (one of ``HARD``) makes it harder to read."""
    page = _paper(sheet, style, rng)
    desk = tuple(rng.randint(60, 150) for _ in range(3))
    border = 40
    photo = Image.new("RGB", (page.width + 2 * border, page.height + 2 * border), desk)
    photo.paste(page, (border, border))
    photo = photo.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC,
                         expand=True, fillcolor=desk)  # fmt: skip
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.9)))
    photo = _harden(photo, hard, desk)
    pixels = np.asarray(photo).astype(np.float32)
    gradient = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.05), pixels.shape[0])
    pixels *= gradient[:, None, None]
    pixels += np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(3, 8), pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rng.randint(60, 90))
    return out.getvalue()
