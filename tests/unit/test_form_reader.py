"""``api.form.read_form``: a submit's multipart body read in one pass, whatever its chunking;
a file past its cap is counted, not kept; Starlette's rules, with our errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from foodscan.api.form import FilePart, read_form
from foodscan.errors import InputError, InvalidInput, TooLarge, TooMany

BOUNDARY = "reader-boundary-1f2e"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
KNOWN = frozenset({"kind", "file", "lang"})


def body(*parts: tuple[str, str | None, bytes]) -> bytes:
    chunks = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"\r\nContent-Type: image/jpeg'
        chunks.append(f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        chunks.append(data + b"\r\n")
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(
    data: bytes, size: int = 65536, *, file_cap: int = 1_000_000, max_files: int = 3
) -> list[tuple[str, str | FilePart]]:
    form = await read_form(
        CONTENT_TYPE,
        chunked(data, size),
        KNOWN,
        max_files=max_files,
        field_bytes=1024,
        file_cap=file_cap,
    )
    return form.items


# A file holding the boundary's own prefix and CR/LF runs, split at awkward places.
TRICKY = os.urandom(5000) + b"\r\n--" + BOUNDARY[:-1].encode() + b"\r\n\r\n--\r" + os.urandom(300)


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1000, 4096, 1 << 20])
async def test_any_chunking_reads_the_same_fields_and_bytes(size: int) -> None:
    sent = body(("kind", None, b"receipt"), ("file", "a.jpg", TRICKY), ("lang", None, b"pl"))

    items = await read(sent, size)

    assert [name for name, _ in items] == ["kind", "file", "lang"]
    assert items[0][1] == "receipt"
    assert items[2][1] == "pl"
    file = items[1][1]
    assert isinstance(file, FilePart)
    assert (file.filename, bytes(file.data), file.size) == ("a.jpg", TRICKY, len(TRICKY))


async def test_a_file_past_its_cap_is_counted_but_not_kept() -> None:
    big = os.urandom(300_000)

    items = await read(body(("file", "big.jpg", big)), file_cap=1001)

    file = items[0][1]
    assert isinstance(file, FilePart)
    assert (len(file.data), file.size) == (1001, len(big))
    assert bytes(file.data) == big[:1001]


NAMELESS = f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n"


@pytest.mark.parametrize(
    ("sent", "error", "words"),
    [
        (body(*[("file", f"{i}.jpg", b"x") for i in range(4)]), TooMany, "too many files"),
        (body(*[("lang", None, b"pl")] * 7), TooMany, "too many form fields; send only"),
        (body(("lang", None, b"x" * 1025)), TooLarge, "a form field is over 1 KB"),
        (b"--x\r\nnot a body at all", InvalidInput, "Invalid multipart data"),
        (NAMELESS.encode(), InvalidInput, '"name" must be provided'),
    ],
    ids=["files", "fields", "field-size", "garbage", "no-name"],
)
async def test_what_starlette_refused_is_refused_in_our_words(
    sent: bytes, error: type[InputError], words: str
) -> None:
    with pytest.raises(error, match=words):
        await read(sent)


async def test_a_body_without_a_boundary_is_malformed() -> None:
    with pytest.raises(InvalidInput, match="Missing boundary"):
        await read_form(
            "multipart/form-data",
            chunked(b"--x\r\n", 10),
            KNOWN,
            max_files=1,
            field_bytes=10,
            file_cap=10,
        )
