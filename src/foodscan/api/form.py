"""A submit's multipart body, read in one pass: text fields and files, each file straight into
memory as it arrives.

Starlette's form parser spools every file to a temporary file (in memory up to 1 MB, on disk
past it) that the API then reads back whole; this one hands python-multipart's callbacks a
buffer per file instead, so a file is copied once on its way in. The rules are Starlette's, with
our errors: a part without a name, a broken body and a missing boundary are ``InvalidInput``;
more files or fields than allowed ``TooMany``; a text field over its cap ``TooLarge``. A file
keeps at most ``file_cap`` bytes (the caller's largest allowed file, plus one): the rest is
only counted, so a file over the limit is refused with its real size without being held.
The body as a whole is capped by the caller (``api.intake``).
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from foodscan.errors import InvalidInput, TooLarge, TooMany

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # a TypedDict for type checkers


@dataclass(slots=True)
class FilePart:
    """One uploaded file: the client's filename (display only), its first ``file_cap`` bytes
    and how many it sent."""

    filename: str
    data: bytearray = field(default_factory=bytearray)
    size: int = 0


@dataclass(slots=True)
class Form:
    """The fields in the order sent; a value is text or a ``FilePart``."""

    items: list[tuple[str, str | FilePart]] = field(default_factory=list)

    def keys(self) -> set[str]:
        return {name for name, _ in self.items}

    def getlist(self, name: str) -> list[str | FilePart]:
        return [value for key, value in self.items if key == name]


def _decode(data: bytes | bytearray, charset: str) -> str:
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


class _Reader:
    """python-multipart's callbacks, building a ``Form``."""

    def __init__(
        self,
        charset: str,
        known: Collection[str],
        *,
        max_files: int,
        field_bytes: int,
        file_cap: int,
    ) -> None:
        self.form = Form()
        self.known = sorted(known)
        self.charset = charset
        self.max_files = max_files
        self.max_fields = 2 * len(self.known)  # room for a repeated field, refused by name
        self.field_bytes = field_bytes
        self.file_cap = file_cap
        self.files = 0
        self.fields = 0
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.disposition: bytes | None = None
        self.name = ""
        self.text = bytearray()
        self.file: FilePart | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.disposition, self.file, self.text = None, None, bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        file = self.file
        if file is None:
            if len(self.text) + end - start > self.field_bytes:
                raise TooLarge(f"a form field is over {self.field_bytes // 1024} KB")
            self.text += data[start:end]
            return
        keep = min(end, start + self.file_cap - len(file.data))
        if keep > start:
            file.data += memoryview(data)[start:keep]
        file.size += end - start

    def on_part_end(self) -> None:
        if self.file is None:
            self.form.items.append((self.name, _decode(self.text, self.charset)))
        else:
            self.form.items.append((self.name, self.file))

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = bytes(self.header_value)
        self.header_name, self.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        # As Starlette reads a part's Content-Disposition (latin-1, then the body's charset).
        disposition = None if self.disposition is None else self.disposition.decode("latin-1")
        _, options = parse_options_header(disposition)
        if b"name" not in options:
            raise InvalidInput(
                "the multipart body is malformed: "
                'the Content-Disposition header field "name" must be provided.'
            )
        self.name = _decode(options[b"name"], self.charset)
        if b"filename" in options:
            self.files += 1
            if self.files > self.max_files:
                raise TooMany(f"too many files; at most {self.max_files} per job")
            self.file = FilePart(_decode(options[b"filename"], self.charset))
        else:
            self.fields += 1
            if self.fields > self.max_fields:
                raise TooMany(f"too many form fields; send only {', '.join(self.known)}")
            self.file = None


async def read_form(
    content_type: str,
    chunks: AsyncIterator[bytes],
    known: Collection[str],
    *,
    max_files: int,
    field_bytes: int,
    file_cap: int,
) -> Form:
    """The fields and files of a ``multipart/form-data`` body whose Content-Type header is
    ``content_type``, read from ``chunks``; raises an ``InputError`` on the first problem.

    ``known`` names the fields a request may send (for the message when it sends too many: at
    most two for each); ``field_bytes`` caps a text field, ``file_cap`` what a file keeps."""
    _, params = parse_options_header(content_type)
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    boundary = params.get(b"boundary")
    if boundary is None:
        raise InvalidInput("the multipart body is malformed: Missing boundary in multipart.")
    reader = _Reader(
        charset, known, max_files=max_files, field_bytes=field_bytes, file_cap=file_cap
    )
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise InvalidInput("the multipart body is malformed: Invalid multipart data.") from exc
    return reader.form
