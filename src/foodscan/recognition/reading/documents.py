"""Text documents (plain text or Markdown, HTML, DOCX): what their bytes are, and their text.

The type comes from the content alone. A DOCX is a ZIP archive holding ``word/document.xml``;
its central directory is checked before anything is inflated, so a ZIP bomb is refused from the
sizes the archive declares (``zipfile`` never inflates an entry past its declared size, and a
lying entry fails its CRC). Text must be UTF-8 (a BOM is allowed) without control characters;
HTML may instead declare its charset in its first bytes, as browsers allow. HTML and plain text
are told apart by how the document starts, not by a tag somewhere inside it (Markdown may hold
inline HTML). Nothing here parses a document's structure: that is ``recognition.recipe``.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO
from typing import Literal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"
DOCX_MAIN_PART = "word/document.xml"
# Far above any real recipe document (a few hundred KB unpacked, images aside).
MAX_DOCX_UNPACKED = 50 * 1024 * 1024
MAX_DOCX_ENTRIES = 2000
_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 2048
_HTML_START = re.compile(
    rb"\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{2,40})", re.I)
# C0 and C1 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

DocxProblem = Literal["unsupported", "too_large", "damaged"]


def _clean_text(text: str) -> str | None:
    text = text.removeprefix("\ufeff")
    if _CONTROL.search(text) or not text.strip():
        return None
    return text


def decode_text(data: bytes) -> str | None:
    """The text of a UTF-8 document, or ``None`` when the bytes are not such text."""
    try:
        return _clean_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def is_html(data: bytes) -> bool:
    """Whether the document starts as an HTML page does (doctype, ``<html>``, ``<head>``…)."""
    head = data[:_SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")
    return _HTML_START.match(head) is not None


def decode_html(data: bytes) -> str | None:
    """The text of an HTML page: UTF-8, else the charset its ``<meta>`` declares; else ``None``."""
    text = decode_text(data)
    if text is not None:
        return text
    found = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if found is None:
        return None
    try:
        codec = codecs.lookup(found.group(1).decode("ascii"))
        return _clean_text(data.decode(codec.name))
    except (LookupError, UnicodeDecodeError):
        return None


def docx_problem(data: bytes) -> tuple[DocxProblem, str] | None:
    """Why a ZIP archive is not an acceptable DOCX (what, and words for people), or ``None``."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return "damaged", f"the ZIP archive is damaged or truncated ({exc})"
    names = {entry.filename for entry in entries}
    if DOCX_MAIN_PART not in names:
        return "unsupported", "the ZIP archive is not a Word document (no word/document.xml)"
    if len(entries) > MAX_DOCX_ENTRIES:
        return "too_large", f"the document has {len(entries)} parts; the limit is 2000"
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_DOCX_UNPACKED:
        mb = MAX_DOCX_UNPACKED // (1024 * 1024)
        return "too_large", f"the document unpacks to {unpacked} bytes; the limit is {mb} MiB"
    return None


def sniff_document(data: bytes) -> str | None:
    """``DOCX``, ``HTML`` or ``TEXT`` from the bytes, or ``None`` for anything else.

    A ZIP that is not a Word document is ``None``; a DOCX is named so even when it is too large
    unpacked or damaged (``docx_problem`` then says why it is refused).
    """
    if data.startswith(_ZIP_MAGIC):
        problem = docx_problem(data)
        if problem is None or problem[0] == "too_large":
            return DOCX
        # A damaged archive is a DOCX when its local headers (plain text) name the main part.
        damaged_docx = problem[0] == "damaged" and DOCX_MAIN_PART.encode() in data
        return DOCX if damaged_docx else None
    if is_html(data):
        return HTML if decode_html(data) is not None else None
    return TEXT if decode_text(data) is not None else None
