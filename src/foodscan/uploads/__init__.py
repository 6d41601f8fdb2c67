"""Uploads: what the service accepts (``checks``: type, sizes and page counts from the bytes
alone) and what it removes before storing a file (``metadata``: EXIF with GPS, XMP, IPTC)."""

from __future__ import annotations
