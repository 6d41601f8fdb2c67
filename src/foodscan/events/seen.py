"""``SeenIds``: which event ids a stream delivered, so a reconnect or replay sends none twice.

Used by the SSE endpoints (ids sent to a client) and by ``foodscan.client`` (ids yielded to the
caller). Pure and tiny, so the client can import it without the server.
"""

from __future__ import annotations

from collections import deque

# How many recent ids a stream remembers above its floor (ids can commit out of order).
WINDOW = 4096


class SeenIds:
    """Ids already delivered: all up to ``floor``, plus a window of recent ones above it."""

    def __init__(self, floor: int = -1) -> None:
        self.floor = floor
        self.high = floor
        self._recent: deque[int] = deque()
        self._members: set[int] = set()

    def add(self, event_id: int) -> bool:
        """Record ``event_id``; False when it was delivered before (or is at or below the floor)."""
        if event_id <= self.floor or event_id in self._members:
            return False
        self._members.add(event_id)
        self._recent.append(event_id)
        self.high = max(self.high, event_id)
        if len(self._recent) > WINDOW:
            oldest = self._recent.popleft()
            self._members.discard(oldest)
            self.floor = max(self.floor, oldest)
        return True
