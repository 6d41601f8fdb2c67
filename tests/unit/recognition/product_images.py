"""Product-like photos made in the test: a rendered barcode (zxing-cpp's own writer) and
packaging words drawn with a real font. Nothing outside the repository is read."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from tests.unit.recognition.conftest import load_font

FORMATS = {
    "EAN-13": zxingcpp.BarcodeFormat.EAN13,
    "EAN-8": zxingcpp.BarcodeFormat.EAN8,
    "UPC-A": zxingcpp.BarcodeFormat.UPCA,
    "UPC-E": zxingcpp.BarcodeFormat.UPCE,
    "QR": zxingcpp.BarcodeFormat.QRCode,
}


def barcode_image(
    text: str, fmt: str = "EAN-13", scale: int = 3, digits: bool = False
) -> Image.Image:
    """The code rendered black on white with its quiet zone (and its digits printed under
    the bars if ``digits``), as an RGB image."""
    code = zxingcpp.create_barcode(text, FORMATS[fmt])
    bars = code.to_image(scale=scale, add_hrt=digits)
    return Image.fromarray(np.asarray(bars)).convert("RGB")


def on_pack(
    bars: Image.Image, angle: float = 0.0, size: tuple[int, int] = (900, 700)
) -> Image.Image:
    """``bars`` in the middle of a coloured pack, the whole photo turned by ``angle``."""
    pack = Image.new("RGB", size, (196, 160, 120))
    pack.paste(bars, ((size[0] - bars.width) // 2, (size[1] - bars.height) // 2))
    if angle:
        pack = pack.rotate(
            angle, expand=True, fillcolor=(90, 90, 90), resample=Image.Resampling.BICUBIC
        )
    return pack


def product_photo(
    words: list[str], code: str | None = None, size: tuple[int, int] = (640, 480)
) -> Image.Image:
    """A pack: ``words`` in large print from the top, a code in the bottom right if given."""
    image = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(image)
    font = load_font(44)
    for row, word in enumerate(words):
        draw.text((30, 30 + row * 64), word, fill=(20, 20, 20), font=font)
    if code is not None:
        bars = barcode_image(code, scale=2)
        image.paste(bars, (size[0] - bars.width - 20, size[1] - bars.height - 20))
    return image
