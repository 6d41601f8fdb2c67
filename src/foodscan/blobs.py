"""Blob storage for uploaded files: the ``BlobStore`` seam and a local-directory store.

Keys are made here, from ``uuid4``, never from anything a client sent; a key that does not
have exactly the shape this module makes is refused before it comes near the filesystem, so
no key can name a path outside the root. Writes are atomic (a temporary file in the same
directory, then ``os.replace``), and all file I/O runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

from foodscan.errors import NotFound

_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{30}\.[a-z0-9]{1,8}")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_DEFAULT_SUFFIX = ".bin"


class BlobStore(Protocol):
    """Stores opaque bytes under keys it generates."""

    async def put(self, data: bytes, *, suffix: str = "") -> str:
        """Store ``data`` and return its new key (``suffix``, e.g. ``".jpg"``, ends it)."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; ``NotFound`` if there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; a key already gone is fine."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a blob."""
        ...


def new_key(suffix: str = "") -> str:
    """A fresh key ``ab/cdef….ext``, sharded on the first two hex digits of a uuid4."""
    suffix = suffix.lower() or _DEFAULT_SUFFIX
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"a blob suffix is a dot and 1-8 letters or digits, not {suffix!r}")
    hex_id = uuid.uuid4().hex
    return f"{hex_id[:2]}/{hex_id[2:]}{suffix}"


class LocalBlobStore:
    """``BlobStore`` in a directory: ``<root>/ab/cdef….ext``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise NotFound("no such blob")
        path = self.root / key
        # The key pattern already rules out "..", absolute paths and extra separators;
        # this guards against a shard directory swapped for a symlink.
        if not path.resolve().is_relative_to(self.root):
            raise NotFound("no such blob")
        return path

    def _write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    async def put(self, data: bytes, *, suffix: str = "") -> str:
        """Store ``data`` atomically under a new key and return the key."""
        key = new_key(suffix)
        await asyncio.to_thread(self._write, key, data)
        return key

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``NotFound`` for a missing or malformed key."""
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("no such blob") from exc

    async def delete(self, key: str) -> None:
        """Remove ``key`` (gone already is fine); ``NotFound`` for a malformed key."""
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a blob; a malformed key holds none."""
        try:
            path = self._path(key)
        except NotFound:
            return False
        return await asyncio.to_thread(path.is_file)
