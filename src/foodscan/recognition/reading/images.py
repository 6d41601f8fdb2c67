"""Image decoding for recognition: bytes in, an upright RGB ``PIL.Image`` out, memory bounded.

Only JPEG, PNG and WebP are opened. The size is read from the header first, by the format's
own plugin (which skips Pillow's process-wide decompression-bomb check and its warning), so an
image over the pixel limit is refused before any pixel is decoded. An image over
``DECODE_PIXELS`` is decoded at reduced size: a JPEG by its decoder's own scaling (``draft``),
PNG and WebP reduced right after decoding. A job's ``PixelBudget`` (set for the job's task by
the worker, ``job_budget``) bounds how many pixels its decodes hold at full size at once, so
ten large photos decode a few at a time instead of all together. Failures raise
``UnreadableFile``: by the time a job decodes a file it was accepted at upload, so a failure
here is permanent, not the client's input error.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from io import BytesIO

from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from foodscan.errors import UnreadableFile

FORMATS = ("JPEG", "PNG", "WEBP")
# Larger images are decoded reduced by a whole factor to at most this: a 48 MP phone photo
# reads as 12 MP, a 20 MP one as it is (OCR gains nothing from more).
DECODE_PIXELS = 24_000_000
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


class PixelBudget:
    """How many pixels one job's decodes may hold at full size at once (thread-safe).

    A decode waits, in its pool thread, until its pixels fit beside the others in flight; one
    larger than the whole budget runs alone.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.peak = 0  # the most pixels in flight at once, for tests and logs
        self._busy = 0
        self._changed = threading.Condition()

    @contextmanager
    def decoding(self, pixels: int) -> Iterator[None]:
        """Hold ``pixels`` of the budget for the block."""
        pixels = min(pixels, self.capacity)
        with self._changed:
            self._changed.wait_for(lambda: self._busy + pixels <= self.capacity)
            self._busy += pixels
            self.peak = max(self.peak, self._busy)
        try:
            yield
        finally:
            with self._changed:
                self._busy -= pixels
                self._changed.notify_all()


# The running job's budget: a context variable, so each job's task (and the pool threads it
# runs work in, ``worker.cpu``) sees its own. None: no bound beyond ``DECODE_PIXELS``.
job_budget: ContextVar[PixelBudget | None] = ContextVar("job_budget", default=None)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background: transparent pixels often hide black RGB values."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))  # one RGB copy, not three RGBA ones
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _decoded(opened: ImageFile.ImageFile, factor: int) -> Image.Image:
    """The opened image's pixels, reduced by ``factor`` (a JPEG already while decoding)."""
    if factor > 1 and opened.format == "JPEG":
        width, height = opened.size
        opened.draft(opened.mode, (math.ceil(width / factor), math.ceil(height / factor)))
    opened.load()
    done = opened.size[0] * opened.size[1]
    left = math.ceil(math.sqrt(done / DECODE_PIXELS)) if done > DECODE_PIXELS else 1
    return opened.reduce(left) if left > 1 else opened


def decode_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Decode a JPEG, PNG or WebP into an upright RGB image of at most ``DECODE_PIXELS``.

    The EXIF orientation is applied, transparency is flattened onto white, an image over
    ``max_pixels`` is refused from its header, and one over ``DECODE_PIXELS`` is reduced.
    Raises ``UnreadableFile``.
    """
    width, height = read_size(data)
    if reason := check_pixels(width, height, max_pixels):
        raise UnreadableFile(reason)
    pixels = width * height
    factor = math.ceil(math.sqrt(pixels / DECODE_PIXELS)) if pixels > DECODE_PIXELS else 1
    budget = job_budget.get()
    try:
        with (
            budget.decoding(pixels) if budget is not None else _unbounded(),
            Image.open(BytesIO(data), formats=FORMATS) as opened,
        ):
            image = _decoded(opened, factor)
            upright = ImageOps.exif_transpose(image)
            return _flatten(upright)
    except DECODE_ERRORS as exc:
        raise UnreadableFile(f"the image could not be decoded: {exc}") from exc


@contextmanager
def _unbounded() -> Iterator[None]:
    yield
