"""The ``BlobStore`` seam and the rules every store keeps for keys.

Keys are made here, from ``uuid4``, never from anything a client sent: ``ab/cdef….ext``. A key
without exactly that shape is refused (``NotFound``) by every store before it reaches a path or
an object name, so no key can name a file outside a folder or an object outside a prefix.

Every store raises ``NotFound`` for a missing or malformed key and ``OSError`` (or a subclass)
when the storage itself fails, so callers handle one set of errors whatever the backend.
"""

from __future__ import annotations

import re
import uuid
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

    async def close(self) -> None:
        """Release connections; the edge that opened the store calls it once, at shutdown."""
        ...


def new_key(suffix: str = "") -> str:
    """A fresh key ``ab/cdef….ext``, sharded on the first two hex digits of a uuid4."""
    suffix = suffix.lower() or _DEFAULT_SUFFIX
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"a blob suffix is a dot and 1-8 letters or digits, not {suffix!r}")
    hex_id = uuid.uuid4().hex
    return f"{hex_id[:2]}/{hex_id[2:]}{suffix}"


def is_key(key: object) -> bool:
    """Whether ``key`` has exactly the shape ``new_key`` makes."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def checked_key(key: object) -> str:
    """``key`` itself if it is well formed; ``NotFound`` otherwise (it names no blob)."""
    if not isinstance(key, str) or not is_key(key):
        raise NotFound("no such blob")
    return key
