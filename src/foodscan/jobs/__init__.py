"""Jobs: the state machine, their SQL, the store (API side) and the queue (worker side)."""

from __future__ import annotations
