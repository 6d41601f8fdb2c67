"""foodscan: recognize food documents in the background, with live progress over SSE."""

from __future__ import annotations

__version__ = "0.1.0"
