"""Blob storage for uploaded files: the ``BlobStore`` seam, a local folder, an S3-compatible bucket.

``open_blob_store`` picks the store from ``FOODSCAN_BLOB_URL`` at the edge (the CLI, the app
lifespan): none or ``file:///path`` is a local folder, ``s3://bucket/prefix?…`` a bucket.
``base`` owns the key rules every store keeps; ``s3`` (and boto3) is imported only when used.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from foodscan.blobs.base import BlobStore, is_key, new_key
from foodscan.blobs.local import LocalBlobStore
from foodscan.settings import Settings

__all__ = ["BlobStore", "LocalBlobStore", "blob_store_for", "is_key", "new_key", "open_blob_store"]


def open_blob_store(url: str | None, local_dir: Path) -> BlobStore:
    """The store ``url`` names, or a local folder at ``local_dir`` when ``url`` is empty.

    ``ValueError`` for a URL of another scheme or a malformed one, or an ``s3://`` one without
    the ``[s3]`` extra: a configuration error that stops start-up rather than a request later.
    """
    if not url:
        return LocalBlobStore(local_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in {"", "localhost"} or not parts.path:
            raise ValueError("a local blob URL is file:///absolute/path")
        return LocalBlobStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        try:
            from foodscan.blobs.s3 import S3BlobStore  # noqa: PLC0415 - boto3 only when S3 is used
        except ImportError as exc:
            if exc.name not in {"boto3", "botocore"}:
                raise
            raise ValueError(
                "FOODSCAN_BLOB_URL names an S3 bucket but boto3 is not installed: "
                "pip install 'foodscan[s3]'"
            ) from exc
        return S3BlobStore.from_url(url)
    raise ValueError(f"FOODSCAN_BLOB_URL must start with s3:// or file://, not {parts.scheme!r}")


def blob_store_for(settings: Settings) -> BlobStore:
    """The store ``FOODSCAN_BLOB_URL`` names, else the folder ``FOODSCAN_BLOB_DIR`` (or the
    data dir's ``blobs``)."""
    url = settings.blob_url.get_secret_value() if settings.blob_url is not None else None
    return open_blob_store(url, settings.resolved_blob_dir)
