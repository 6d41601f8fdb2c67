"""Files the tests write byte by byte: a PNG decompression bomb and hand-built PDFs.

One definition each, shared by the unit, recognition, hostile-upload and reliability suites.
"""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_bomb(side: int) -> bytes:
    """A valid 1-bit PNG of ``side`` x ``side`` pixels that is tens of KB on disk."""
    row = b"\x00" * (1 + side // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def build_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF file of ``objects`` (numbered from 1, object 1 the catalog), with a true xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _pdf_text(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages carry a real text layer in Helvetica: one list of lines per page."""
    page_count = len(pages)
    font_obj = 3 + 2 * page_count
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(page_count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, page_count),
    ]
    for index, lines in enumerate(pages):
        ops = b"".join(b"(%s) Tj 0 -20 Td " % _pdf_text(line) for line in lines)
        stream = b"BT /F1 14 Tf 72 760 Td " + ops + b"ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (font_obj, 4 + 2 * index)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return build_pdf(objects)


def shared_page_tree_pdf(levels: int, fan: int, leaf: bytes = b"/Type /Page") -> bytes:
    """A PDF of about 1 KB whose page tree claims ``fan ** levels`` pages: each level is one
    node listed ``fan`` times in its parent's kids, down to one shared page (``leaf`` its body)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        kids = b" ".join([b"%d 0 R" % (3 + level)] * fan)
        objects.append(b"<< /Type /Pages /Count %d /Kids [%s] >>" % (fan ** (levels - level), kids))
    objects.append(b"<< %s /MediaBox [0 0 72 72] >>" % leaf)
    return build_pdf(objects)
