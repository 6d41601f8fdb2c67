"""The hostile-upload corpus, built in memory by the tests themselves (no binary fixture committed).

Each builder makes the smallest bytes that still carry the attack: a PNG whose header declares
900 megapixels over a real zlib stream of zeros, a JPEG whose frame header claims 65,535 x 65,535,
a hand-written PDF with a 10,000-page tree, a password-protected PDF (pikepdf), ZIPs that pose
as images or Word files, a DOCX bomb. ``CORPUS`` pairs each with the kinds it is sent as and the
problem the API must answer.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pikepdf
from PIL import Image

from tests import corpus
from tests.corpus import build_pdf

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALL_KINDS = ("receipt", "products", "recipe")
PDF_KINDS = ("receipt", "recipe")  # products takes photos only
ELEVEN_MB = 11 * 1000 * 1000


def png_bomb() -> bytes:
    """A valid 1-bit PNG of 30,000 x 30,000 (900 megapixels), ~100 KB on disk."""
    return corpus.png_bomb(30_000)


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (240, 240, 230)).save(buffer, fmt)
    return buffer.getvalue()


def huge_jpeg_header() -> bytes:
    """A small real JPEG whose SOF0 frame header is rewritten to claim 65,535 x 65,535 pixels."""
    data = bytearray(photo("JPEG"))
    at = data.index(b"\xff\xc0")  # SOF0: marker, length (2), precision (1), height, width
    struct.pack_into(">HH", data, at + 5, 0xFFFF, 0xFFFF)
    return bytes(data)


def handmade_pdf(pages: int, media_box: str = "0 0 72 72") -> bytes:
    """A minimal, valid PDF with ``pages`` empty pages in one flat page tree, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>"
        % (pages, b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))),
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] >>" % media_box.encode()
    objects += [page] * pages
    return build_pdf(objects)


def encrypted_pdf() -> bytes:
    """A one-page PDF that opens only with a user password (AES-256)."""
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(handmade_pdf(1))) as document:
        document.save(buffer, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    return buffer.getvalue()


def zipped(entries: dict[str, bytes], level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bomb() -> bytes:
    """A Word file's parts plus one entry that inflates to 60 MB of zeros (~60 KB packed)."""
    return zipped({"word/document.xml": b"<w:document/>", "word/media/x.bin": bytes(60_000_000)})


def docx_of_many_parts() -> bytes:
    return zipped({"word/document.xml": b"<w:document/>"} | {f"p/{i}": b"" for i in range(2001)})


def docx_not_a_zip() -> bytes:
    """A ZIP local-file header naming word/document.xml, and no archive after it."""
    return b"PK\x03\x04" + b"\x14\x00" * 10 + b"word/document.xml" + bytes(range(256)) * 4


def pdf_zip_polyglot() -> bytes:
    """PDF magic in front of a ZIP archive: a ZIP reader opens it, PDF sniffing sees a PDF."""
    return b"%PDF-1.7\n" + zipped({"word/document.xml": b"<w:document/>", "a.pdf": b"%PDF"})


def zip_posing_as_image() -> bytes:
    return zipped({"photo.jpg": photo("JPEG"), "readme.txt": b"not a photo"})


@dataclass(frozen=True)
class Hostile:
    """One corpus entry: the bytes, the kinds it is sent as, and the expected problem."""

    name: str
    build: Callable[[], bytes]
    kinds: tuple[str, ...]
    status: int
    code: str
    filename: str = "upload.bin"
    content_type: str = "image/jpeg"


CORPUS = (
    Hostile("png-bomb-900mp", png_bomb, ALL_KINDS, 422, "too_many", "bomb.png", "image/png"),
    Hostile("jpeg-65535x65535-header", huge_jpeg_header, ALL_KINDS, 422, "too_many", "big.jpg"),
    Hostile(
        "pdf-10000-pages",
        lambda: handmade_pdf(10_000),
        PDF_KINDS,
        422,
        "too_many",
        "pages.pdf",
        "application/pdf",
    ),
    Hostile(
        "pdf-shared-page-tree-1e6-pages",
        lambda: corpus.shared_page_tree_pdf(levels=6, fan=10),
        PDF_KINDS,
        422,
        "too_many",
        "tree.pdf",
        "application/pdf",
    ),
    Hostile(
        "pdf-page-200x200-inches",
        lambda: handmade_pdf(1, "0 0 14400 14400"),
        PDF_KINDS,
        422,
        "too_many",
        "poster.pdf",
        "application/pdf",
    ),
    Hostile(
        "pdf-encrypted",
        encrypted_pdf,
        PDF_KINDS,
        422,
        "invalid_input",
        "locked.pdf",
        "application/pdf",
    ),
    Hostile(
        "pdf-corrupt",
        lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n" + bytes(range(256)) * 8,
        PDF_KINDS,
        422,
        "invalid_input",
        "broken.pdf",
        "application/pdf",
    ),
    Hostile(
        "pdf-truncated",
        lambda: handmade_pdf(3)[:200],
        PDF_KINDS,
        422,
        "invalid_input",
        "cut.pdf",
        "application/pdf",
    ),
    Hostile(
        "polyglot-pdf-zip",
        pdf_zip_polyglot,
        PDF_KINDS,
        422,
        "invalid_input",
        "both.pdf",
        "application/pdf",
    ),
    # Products takes no PDF at all: refused for its type before anything else.
    Hostile(
        "pdf-to-products",
        lambda: handmade_pdf(1),
        ("products",),
        415,
        "unsupported_type",
        "a.pdf",
        "application/pdf",
    ),
    Hostile("zip-posing-as-jpeg", zip_posing_as_image, ALL_KINDS, 415, "unsupported_type", "p.jpg"),
    Hostile("zero-bytes", lambda: b"", ALL_KINDS, 422, "invalid_input", "empty.jpg"),
    Hostile(
        "eleven-mb-jpeg",
        lambda: photo("JPEG") + bytes(ELEVEN_MB),
        ALL_KINDS,
        413,
        "too_large",
        "big.jpg",
    ),
    Hostile(
        "jpeg-magic-then-garbage",
        lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4,
        ALL_KINDS,
        422,
        "invalid_input",
        "bad.jpg",
    ),
    Hostile("docx-zip-bomb", docx_bomb, ("recipe",), 413, "too_large", "bomb.docx", DOCX_MEDIA),
    Hostile(
        "docx-2001-parts", docx_of_many_parts, ("recipe",), 413, "too_large", "m.docx", DOCX_MEDIA
    ),
    Hostile(
        "docx-not-a-zip", docx_not_a_zip, ("recipe",), 422, "invalid_input", "n.docx", DOCX_MEDIA
    ),
    Hostile(
        "docx-to-receipt",
        lambda: zipped({"word/document.xml": b"<w:document/>"}),
        ("receipt", "products"),
        415,
        "unsupported_type",
        "r.docx",
        DOCX_MEDIA,
    ),
    Hostile(
        "text-with-nul-bytes",
        lambda: b"Pancakes\x00\x00\x00 2 eggs\n",
        ("recipe",),
        415,
        "unsupported_type",
        "r.txt",
        "text/plain",
    ),
)

# Filenames that must never become a path, a header or a broken display: only shown, sanitised.
HOSTILE_FILENAMES = {
    "dot-dot-passwd": "../../etc/passwd",
    "windows-path": "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
    "nul-byte": "receipt\x00.jpg",
    "3-kb-name": "a" * 3_000 + ".jpg",
    "3-kb-multibyte-name": "\u0436" * 1_500 + ".jpg",
    "rtl-override": "receipt\u202egpj.exe",
    "windows-con": "CON",
    "windows-nul-ext": "NUL.jpg",
    "windows-com1": "COM1.png",
    "only-dots": "..",
    "newline-header-injection": "a.jpg\r\nX-Injected: 1",
    "quote-in-name": "a\".jpg; filename*=UTF-8''evil",
    "emoji-and-combining": "re\u0301ceipt \U0001f9fe.jpg",
}


# Over python-multipart's cap on one part-header line (4 KiB): the parser refuses the body.
TEN_KB_NAME = "a" * 10_240 + ".jpg"


@cache
def build(entry: Hostile) -> bytes:
    """The entry's bytes, built once per test session."""
    return entry.build()
