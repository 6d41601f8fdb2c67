"""Render a recipe text file as a PDF (with a text layer, fpdf2) and as a photo-like PNG
(Pillow), so that the recipe benchmark measures the PDF and OCR paths on the same recipes.

Long lines wrap at the page width as a printed page would: bulleted and numbered items with a
hanging indent, so the parser has to join them again. DejaVu Sans (an OS font package) covers
Polish and Russian.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_MARK = re.compile(r"^(- |\d+\. )")
# A4 at 300 dpi: what a 12-megapixel phone photo of a page gives; 44 px is 10.5 pt type.
PAGE_WIDTH_PX = 2480
MARGIN_PX = 164
FONT_PX = 44
BLUR = 0.6
TILT = 1.2


def wrapped(
    lines: list[str], width: float, measure: Callable[[str], float]
) -> list[tuple[str, str]]:
    """Each printed line and its indent (the text of the bullet or number it hangs under),
    wrapped at ``width`` as ``measure`` sizes text."""
    out: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            out.append(("", ""))
            continue
        mark = _MARK.match(line)
        indent = mark.group(1) if mark else ""
        current, hang = "", ""
        for word in line.split(" "):
            trial = f"{current} {word}" if current else word
            if current and measure(hang + trial) > width:
                out.append((current, hang))
                current, hang = word, indent
            else:
                current = trial
        out.append((current, hang))
    return out


def render_pdf(text: str) -> bytes:
    """A PDF of the recipe with a real text layer, wrapped by the page."""
    from fpdf import FPDF  # noqa: PLC0415 - a bench-only dependency

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("dejavu", "", str(FONT))
    pdf.add_font("dejavu", "B", str(BOLD))
    pdf.add_page()
    lines = text.splitlines()
    pdf.set_font("dejavu", "B", 16)
    pdf.cell(0, 8, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 11)
    width = pdf.w - pdf.l_margin - pdf.r_margin - 2
    for line, indent in wrapped(lines[1:], width, pdf.get_string_width):
        pdf.set_x(pdf.l_margin + pdf.get_string_width(indent))
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_png(text: str, seed: int = 0) -> bytes:
    """A photo-like PNG of the recipe page: off-white paper, a slight tilt and blur."""
    font = ImageFont.truetype(str(FONT), FONT_PX)
    title_font = ImageFont.truetype(str(BOLD), round(FONT_PX * 1.4))
    lines = text.splitlines()
    width = PAGE_WIDTH_PX - 2 * MARGIN_PX
    rows = [(lines[0], ""), *wrapped(lines[1:], width, font.getlength)]
    line_px = round(FONT_PX * 1.45)
    height = MARGIN_PX * 2 + line_px * (len(rows) + 1)
    image = Image.new("RGB", (PAGE_WIDTH_PX, height), (246, 243, 236))
    draw = ImageDraw.Draw(image)
    y = MARGIN_PX
    for index, (line, indent) in enumerate(rows):
        use = title_font if index == 0 else font
        x = MARGIN_PX + font.getlength(indent)
        draw.text((x, y), line, fill=(30, 30, 35), font=use)
        y += round(line_px * (1.3 if index == 0 else 1))
    rng = random.Random(seed)  # noqa: S311 - a repeatable tilt, not a secret
    tilted = image.rotate(rng.uniform(-TILT, TILT), expand=True, fillcolor=(246, 243, 236))
    photo = tilted.filter(ImageFilter.GaussianBlur(BLUR))
    buffer = BytesIO()
    photo.save(buffer, "PNG")
    return buffer.getvalue()
