"""Upload checks: decide from a file's bytes alone whether the service will accept it.

The client's Content-Type and filename are never trusted: the type comes from magic bytes, the
size limits from the image header or the PDF's page tree, read without decoding a single page
or a JPEG's pixels, so a decompression bomb is refused cheaply. Errors are
``InputError`` subclasses with messages meant for people. The filename is only ever shown
(``safe_name``), never used as a path. This module runs synchronously (about a millisecond for a
1 MB JPEG, more for a PDF or a WebP): call it from a worker thread in async code.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from foodscan.errors import InvalidInput, TooLarge, TooMany, UnreadableFile, UnsupportedType
from foodscan.recognition.reading import documents, images, pdf
from foodscan.uploads import jpeg
from foodscan.uploads.metadata import strip_metadata

MEDIA_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    documents.TEXT,
    documents.HTML,
    documents.DOCX,
)
_MAX_NAME = 200
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class UploadLimits:
    """Limits on one uploaded file; ``max_pixels`` applies to an image or a rendered page."""

    max_bytes: int
    max_pages: int
    max_pixels: int


@dataclass(frozen=True)
class Inspected:
    """What the bytes of an accepted upload turned out to be."""

    media_type: str
    pages: int
    sha256: str
    size: int


def sniff(data: bytes) -> str | None:
    """The media type given by the file's magic bytes, or ``None`` if not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    # Text documents last: DOCX by its ZIP parts, HTML and plain text by valid text.
    return documents.sniff_document(data)


def describe_size(count: int) -> str:
    """A byte count for people in binary units: "512 bytes", "340 KiB", "12.3 MiB"."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"


def over_limit(size: int, limit: int) -> str:
    """ "the file is 12.3 MiB; the limit is 10 MiB", in bytes where the rounding would hide it."""
    said, most = describe_size(size), describe_size(limit)
    if said == most:
        said, most = f"{size:,} bytes", f"{limit:,} bytes"
    return f"the file is {said}; the limit is {most}"


def _verify_image(data: bytes, media_type: str, image_pixels: int) -> jpeg.Walk | None:
    """Prove the image is whole without decoding its pixels; it already fits the limit. A
    JPEG's walk is returned, for the metadata stripper to reuse.

    A JPEG is checked in structure only (``uploads.jpeg.Walk.check_whole``): whether its picture
    data decodes is found by the worker, and a job whose JPEG does not decode fails with
    ``unreadable_file``. A PNG's chunks and CRCs are walked without inflating; a WebP is decoded.
    """
    kind = media_type.removeprefix("image/").upper()
    if media_type == "image/jpeg":
        try:
            found = jpeg.walk(data)
            found.check_whole()
        except (ValueError, struct.error) as exc:
            raise InvalidInput(f"the {kind} file is damaged or truncated ({exc})") from exc
        return found
    try:
        with Image.open(BytesIO(data), formats=images.FORMATS) as image:
            if media_type == "image/png":
                image.verify()  # walks every chunk and its CRC without inflating pixels
            else:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Only reached when our limit is above Pillow's own; its message is not for people.
        pixels = images.megapixels(image_pixels)
        raise TooMany(f"the image has {pixels}, too many to decode safely") from exc
    except images.DECODE_ERRORS as exc:
        raise InvalidInput(f"the {kind} file is damaged or truncated ({exc})") from exc
    return None


def _inspect_image(data: bytes, media_type: str, limits: UploadLimits) -> jpeg.Walk | None:
    try:
        width, height = images.read_size(data)
    except UnreadableFile as exc:
        raise InvalidInput(exc.message) from exc
    if reason := images.check_pixels(width, height, limits.max_pixels):
        raise TooMany(reason)
    return _verify_image(data, media_type, width * height)


def _inspect_pdf(data: bytes, limits: UploadLimits) -> int:
    try:
        count, sizes = pdf.page_sizes(data, max_pages=limits.max_pages)
    except UnreadableFile as exc:
        raise InvalidInput(exc.message) from exc
    if count == 0:
        raise InvalidInput("the PDF has no pages")
    if count > limits.max_pages:
        raise TooMany(f"the PDF has {count} pages; the limit is {limits.max_pages}")
    for number, (width, height) in enumerate(sizes, start=1):
        pixels = pdf.render_pixels(width, height, pdf.RENDER_DPI)
        if pixels > limits.max_pixels:
            raise TooMany(
                f"page {number} of the PDF is {width / 72:.1f}x{height / 72:.1f} inches, "
                f"{images.megapixels(pixels)} at {pdf.RENDER_DPI} dpi; "
                f"the limit is {images.megapixels(limits.max_pixels)}"
            )
    return count


def _inspect_docx(data: bytes) -> int:
    problem = documents.docx_problem(data)
    if problem is None:
        return 1
    what, message = problem
    if what == "too_large":
        raise TooLarge(message)
    if what == "unsupported":
        raise UnsupportedType(message)
    raise InvalidInput(message)


def inspect(data: bytes, limits: UploadLimits) -> Inspected:
    """Check one uploaded file against ``limits`` and describe it.

    Raises ``TooLarge`` (too many bytes, or a DOCX that unpacks too large), ``UnsupportedType``
    (not JPEG, PNG, WebP, PDF, UTF-8 text, HTML or DOCX by its content), ``TooMany`` (too many
    pixels or pages) or ``InvalidInput`` (the right type but damaged, truncated or
    password-protected).
    """
    return _inspect(data, limits)[0]


def accept(
    data: bytes, limits: UploadLimits, accepts: Collection[str]
) -> tuple[Inspected, bytes | None]:
    """``inspect``, then ``strip_metadata`` in the same pass: what the file is (the sha256 of
    the bytes as sent) and the bytes to store, or ``None`` for them when its type is not one of
    ``accepts`` (nothing stripped). A JPEG is walked once, for the check and the strip. Raises
    what either raises."""
    inspected, walked = _inspect(data, limits)
    if inspected.media_type not in accepts:
        return inspected, None
    return inspected, strip_metadata(data, inspected.media_type, walked)


def _inspect(data: bytes, limits: UploadLimits) -> tuple[Inspected, jpeg.Walk | None]:
    if len(data) > limits.max_bytes:
        raise TooLarge(over_limit(len(data), limits.max_bytes))
    media_type = sniff(data)
    if media_type is None:
        raise UnsupportedType(
            "the file is not a JPEG, PNG, WebP or PDF, nor UTF-8 text, HTML or a Word document"
            " (its content was checked, not its name)"
        )
    walked = None
    if media_type == "application/pdf":
        pages = _inspect_pdf(data, limits)
    elif media_type == documents.DOCX:
        pages = _inspect_docx(data)
    elif media_type in (documents.TEXT, documents.HTML):
        pages = 1  # sniffing already proved it is text
    else:
        walked = _inspect_image(data, media_type, limits)
        pages = 1
    inspected = Inspected(
        media_type=media_type,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return inspected, walked


def safe_name(name: str | None) -> str:
    """A display-only form of the client's filename: no directories, no control or bidi
    characters, at most 200 characters (the extension kept). Never use it as a path."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = " ".join(text.split()).strip(". ")
    if not text:
        return "upload"
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        keep = f".{ext}" if dot and stem and len(ext) <= 10 else ""
        text = text[: _MAX_NAME - len(keep)].rstrip() + keep
    return text
