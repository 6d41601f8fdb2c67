"""``S3BlobStore``: blobs as objects in an S3-compatible bucket, for processes on many machines.

The location is one URL, ``s3://bucket/prefix?endpoint_url=…&region=…`` (``S3Location.parse``).
Credentials come from the URL's ``access_key_id``/``secret_access_key`` (and ``session_token``)
or, when absent, from boto3's standard chain (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, an
instance role…). boto3 is synchronous: each call runs in a worker thread, as the local store's
file I/O does; its client is thread-safe and keeps a connection pool.

Keys are checked (``base.checked_key``) before an object name is built, so no key reaches
outside the prefix. Storage failures are raised as ``S3Unavailable``, an ``OSError``, the same
family the local store raises.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from foodscan.blobs.base import checked_key, is_key, new_key
from foodscan.errors import NotFound

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client  # typing only: the stubs are a dev dependency

_QUERY_KEYS = frozenset(
    {
        "endpoint_url",
        "region",
        "access_key_id",
        "secret_access_key",
        "session_token",
        "addressing_style",
    }
)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_POOL = 32


class S3Unavailable(OSError):
    """The S3-compatible store refused or failed a request."""


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where blobs live in S3, parsed from ``FOODSCAN_BLOB_URL``."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    addressing_style: str | None = None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket[/prefix][?endpoint_url=…&region=…&access_key_id=…&…]``."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not _BUCKET.fullmatch(parts.netloc):
            raise ValueError(
                "an S3 blob URL is s3://bucket/prefix?endpoint_url=…&region=… "
                "(a bucket name is 3-63 lowercase letters, digits, dots and hyphens)"
            )
        query = dict(parse_qsl(parts.query, keep_blank_values=False, strict_parsing=False))
        unknown = sorted(set(query) - _QUERY_KEYS)
        if unknown:
            known = ", ".join(sorted(_QUERY_KEYS))
            raise ValueError(f"unknown S3 blob URL parameter(s) {', '.join(unknown)}; use {known}")
        if ("access_key_id" in query) != ("secret_access_key" in query):
            raise ValueError("give both access_key_id and secret_access_key, or neither")
        if query.get("addressing_style", "auto") not in {"auto", "path", "virtual"}:
            raise ValueError("addressing_style is auto, path or virtual")
        return cls(
            bucket=parts.netloc,
            prefix=parts.path.strip("/"),
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region"),
            access_key_id=query.get("access_key_id"),
            secret_access_key=query.get("secret_access_key"),
            session_token=query.get("session_token"),
            addressing_style=query.get("addressing_style"),
        )

    def object_name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key


def _client(location: S3Location) -> S3Client:
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 4, "mode": "standard"},
        max_pool_connections=_POOL,
        s3={"addressing_style": location.addressing_style or "auto"},  # type: ignore[arg-type]  # the stubs want a Literal; parse() checked it
        # Checksums only where S3 demands them: many S3-compatible servers reject the newer ones.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(
        aws_access_key_id=location.access_key_id,
        aws_secret_access_key=location.secret_access_key,
        aws_session_token=location.session_token,
        region_name=location.region,
    )
    return session.client("s3", endpoint_url=location.endpoint_url, config=config)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING


class S3BlobStore:
    """``BlobStore`` in an S3-compatible bucket: ``<prefix>/ab/cdef….ext``."""

    def __init__(self, location: S3Location, client: S3Client | None = None) -> None:
        self.location = location
        self._client = client or _client(location)

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        return cls(S3Location.parse(url))

    def _name(self, key: str) -> str:
        return self.location.object_name(checked_key(key))

    async def put(self, data: bytes, *, suffix: str = "") -> str:
        """Upload ``data`` as a new object (S3 makes it visible whole or not at all)."""
        key = new_key(suffix)
        name = self.location.object_name(key)
        try:
            await asyncio.to_thread(
                self._client.put_object, Bucket=self.location.bucket, Key=name, Body=data
            )
        except (BotoCoreError, ClientError) as exc:
            raise S3Unavailable(f"could not store blob {key}: {exc}") from exc
        return key

    def _read(self, name: str) -> bytes:
        body = self._client.get_object(Bucket=self.location.bucket, Key=name)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    async def get(self, key: str) -> bytes:
        """The object's bytes; ``NotFound`` for a missing or malformed key."""
        name = self._name(key)
        try:
            return await asyncio.to_thread(self._read, name)
        except ClientError as exc:
            if _missing(exc):
                raise NotFound("no such blob") from exc
            raise S3Unavailable(f"could not read blob {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise S3Unavailable(f"could not read blob {key}: {exc}") from exc

    async def delete(self, key: str) -> None:
        """Delete the object (S3 answers the same for one already gone)."""
        name = self._name(key)
        try:
            await asyncio.to_thread(
                self._client.delete_object, Bucket=self.location.bucket, Key=name
            )
        except (BotoCoreError, ClientError) as exc:
            raise S3Unavailable(f"could not delete blob {key}: {exc}") from exc

    async def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request); a malformed key names none."""
        if not is_key(key):
            return False
        name = self.location.object_name(key)
        try:
            await asyncio.to_thread(self._client.head_object, Bucket=self.location.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return False
            raise S3Unavailable(f"could not look up blob {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise S3Unavailable(f"could not look up blob {key}: {exc}") from exc
        return True

    async def close(self) -> None:
        """Close the client's connection pool."""
        await asyncio.to_thread(self._client.close)
