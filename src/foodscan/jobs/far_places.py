"""Places behind the exact front of the queue, estimated from the front (no SQL, no I/O).

The announcer reads the first ``EXACT_PLACES`` jobs of the claim order (``sql.queue_front``) and
places them exactly. A job behind them is placed by ``place_behind`` from a run of its lane read
in turn order (``sql.lane_after``) and the lane's jobs ahead of the run per kind, counted up to a
cap (``sql.lane_kinds_before``: an index walk, no row beyond the cap; past the cap the index is
estimated from the turns, at the density of jobs per turn in the front, as ``sql.position``
does). The other lanes' jobs that go before it come from the same pace arithmetic as the claim
(``fairness.turns_before``), up to each lane's length (counted up to the cap:
``Front.waiting``), and the jobs of its kind among them from their front's mix of kinds.

Every estimate is behind every exact place of its kind, and places grow along a lane's run:
the order is never wrong, only the distance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from fractions import Fraction

from foodscan.jobs import sql
from foodscan.jobs.sql.fairness import turns_before


class _Prefix:
    """Jobs of each kind among the first n of a lane's rows."""

    def __init__(self, rows: list[sql.Row]) -> None:
        self.size = len(rows)
        self._counts: dict[str, list[int]] = {}
        self._rows = rows

    def of(self, kind: str, n: int) -> int:
        counts = self._counts.get(kind)
        if counts is None:
            counts = [0]
            for row in self._rows:
                counts.append(counts[-1] + (row.kind == kind))
            self._counts[kind] = counts
        return counts[max(0, min(n, self.size))]

    def share(self, kind: str) -> float:
        """The fraction of the rows that are of ``kind``."""
        return self.of(kind, self.size) / self.size if self.size else 0.0


def place_behind(
    policy: sql.FairShare,
    front: sql.Front,
    lane: str,
    run: list[sql.Row],
    *,
    before: Mapping[str, int],
    cap: int,
) -> list[tuple[sql.Row, int]]:
    """Each job of ``run`` (consecutive young queued jobs of ``lane`` in turn order, none of them
    in ``front.order``) with its estimated 1-based place among the queued jobs of its kind.

    ``before``: the lane's jobs ahead of the run, per kind, counted up to ``cap`` jobs in all
    (``sql.lane_kinds_before``); a count that reached ``cap`` is extended by the turns."""
    if not run:
        return []
    prefixes = {name: _Prefix(rows) for name, rows in front.lanes.items()}
    start = sum(before.values())
    counted = dict(before)
    if start >= cap:  # the lane is longer than counted: the rest from the turns
        start = max(start, _lane_index(front, lane, run[0]))
        scale = start / max(1, sum(before.values()))
        counted = {kind: round(n * scale) for kind, n in before.items()}
    exact = Counter(row.kind for row in front.order)
    aged = Counter(row.kind for row in front.order[: front.aged])
    placed: list[tuple[sql.Row, int]] = []
    in_run: Counter[str] = Counter()
    for k, row in enumerate(run):
        index = start + k  # jobs of the lane ahead of it
        ahead = counted.get(row.kind, 0) + in_run[row.kind]
        pace = Fraction(front.recent[lane] + index + 1, policy.share(lane))
        for other, theirs in prefixes.items():
            if other == lane:
                continue
            turns = turns_before(policy, lane, pace, other, front.recent[other])
            ahead += theirs.of(row.kind, turns)
            unread = min(turns, front.waiting_in(other)) - theirs.size
            if unread > 0:
                ahead += round(unread * theirs.share(row.kind))
        place = aged[row.kind] + ahead + 1
        placed.append((row, max(place, exact[row.kind] + 1)))
        in_run[row.kind] += 1
    return placed


def _lane_index(front: sql.Front, lane: str, row: sql.Row) -> int:
    """How many of ``lane``'s young queued jobs go before ``row``: exact when ``row`` is among
    the lane's rows in the front, else from its turn at the density of those rows."""
    rows = front.lanes[lane]
    for i, candidate in enumerate(rows):
        if candidate.id == row.id:
            return i
    if not rows:
        return 0
    turn = int(rows[0].fair_tag) - 1  # the lane's current turn, as far as the front shows it
    per_turn = len(rows) / max(1, int(rows[-1].fair_tag) - turn)
    return max(len(rows), round((int(row.fair_tag) - 1 - turn) * per_turn))
