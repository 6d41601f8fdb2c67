"""Image decoding for recognition: bytes in, an upright RGB ``PIL.Image`` out.

Only JPEG, PNG and WebP are opened. The size is read from the header first, by the format's
own plugin (which skips Pillow's process-wide decompression-bomb check and its warning), so an
image over the pixel limit is refused before any pixel is decoded. Failures raise
``UnreadableFile``: by the time a job decodes a file it was accepted at upload, so a failure
here is permanent, not the client's input error.
"""

from __future__ import annotations

import struct
from io import BytesIO

from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from foodscan.errors import UnreadableFile

FORMATS = ("JPEG", "PNG", "WEBP")
_PLUGINS: tuple[type[ImageFile.ImageFile], ...] = (
    JpegImagePlugin.JpegImageFile,
    PngImagePlugin.PngImageFile,
    WebPImagePlugin.WebPImageFile,
)
# What Pillow raises on bad data: OSError (UnidentifiedImageError too) from decoders,
# SyntaxError for a wrong header, the others for truncated or inconsistent structures.
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def megapixels(pixels: int) -> str:
    """``pixels`` for people: "12.3 megapixels"."""
    return f"{pixels / 1_000_000:.1f} megapixels"


def read_size(data: bytes) -> tuple[int, int]:
    """The width and height of a JPEG, PNG or WebP from its header alone.

    Raises ``UnreadableFile`` when no supported plugin accepts the header.
    """
    for plugin in _PLUGINS:
        try:
            with plugin(BytesIO(data)) as image:
                return image.size
        except DECODE_ERRORS:
            continue
    raise UnreadableFile("the image is damaged or truncated: its header could not be read")


def check_pixels(width: int, height: int, max_pixels: int) -> str | None:
    """Why an image of this size is refused, or ``None`` if it is within ``max_pixels``."""
    if width * height <= max_pixels:
        return None
    return (
        f"the image is {width}x{height} pixels ({megapixels(width * height)}); "
        f"the limit is {megapixels(max_pixels)}"
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background: transparent pixels often hide black RGB values."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def decode_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Decode a JPEG, PNG or WebP into an upright RGB image.

    The EXIF orientation is applied, transparency is flattened onto white, and an image over
    ``max_pixels`` is refused from its header. Raises ``UnreadableFile``.
    """
    width, height = read_size(data)
    if reason := check_pixels(width, height, max_pixels):
        raise UnreadableFile(reason)
    try:
        with Image.open(BytesIO(data), formats=FORMATS) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            return _flatten(upright)
    except DECODE_ERRORS as exc:
        raise UnreadableFile(f"the image could not be decoded: {exc}") from exc
