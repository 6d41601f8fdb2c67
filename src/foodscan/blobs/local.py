"""``LocalBlobStore``: blobs as files in one folder, the embedded default.

A blob is written once, under its new key (``O_EXCL``: a fresh uuid4, never an existing file),
and ``fsync``-ed before ``put`` returns; a write that fails is removed. Nothing reads a key before
a committed job names it, and a job names it only after ``put`` returned, so no reader sees a
partial file and no temporary file or rename is needed (a crash mid-write leaves an orphan no job
names, as a crash between ``put`` and the insert does). The ``fsync`` of a newly created file
also makes its directory entry durable on journalling file systems (ext4, XFS). All file I/O runs
in a worker thread. Keys are checked by ``base.checked_key`` before any path is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
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
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:  # the shard's first blob: make its folder (once per shard)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, 0o600)
        try:
            try:
                with memoryview(data) as view:
                    written = 0
                    while written < len(view):
                        written += os.write(fd, view[written:])
                # Durable, with its name, before the job that names it commits: a 202
                # promises the file survives a crash.
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            raise

    async def put(self, data: bytes, *, suffix: str = "") -> str:
        """Store ``data`` durably under a new key and return the key."""
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
