"""The HTTP API: thin; it validates, stores, inserts and answers. ``app.create_app`` builds it."""

from __future__ import annotations
