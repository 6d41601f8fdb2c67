"""Jobs: the state machine, every SQL statement on jobs, the store (API side) and queue (worker side)."""

from __future__ import annotations
