"""Events: the durable event log, SSE framing, the in-process hub and PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations
