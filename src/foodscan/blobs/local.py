"""``LocalBlobStore``: blobs as files in one folder, the embedded default.

Writes are atomic (a temporary file in the same directory, then ``os.replace``) and all file
I/O runs in a worker thread. Keys are checked by ``base.checked_key`` before any path is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

from foodscan.blobs.base import checked_key, new_key
from foodscan.errors import NotFound


class LocalBlobStore:
    """``BlobStore`` in a directory: ``<root>/ab/cdef….ext``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = self.root / checked_key(key)
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

    async def close(self) -> None:
        """Nothing to release: files are opened and closed per call."""
