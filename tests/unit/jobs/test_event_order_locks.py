"""Which event-order locks a write takes (``sql.event_order_locks``), in which order."""

from __future__ import annotations

from foodscan.jobs.sql.usage import EVENT_ORDER_LOCK, MANY_USERS, event_order_locks


def test_a_write_for_few_users_shares_the_global_key_and_locks_each_user_in_key_order() -> None:
    locks = event_order_locks(["bob", "alice", "bob"])
    assert locks[0] == (EVENT_ORDER_LOCK, True)
    keys = [key for key, _ in locks[1:]]
    assert len(keys) == 2
    assert keys == sorted(keys)  # one order for every write: no deadlock between two
    assert all(not shared for _, shared in locks[1:])
    assert EVENT_ORDER_LOCK not in keys


def test_a_users_key_is_the_same_in_every_write_and_process() -> None:
    alone = event_order_locks(["alice"])[1]
    together = dict(event_order_locks(["alice", "zoe"]))
    assert alone[0] in together
    assert event_order_locks(["alice"]) == [(EVENT_ORDER_LOCK, True), (0x666F6F656DCF3C59, False)]


def test_a_write_for_many_users_takes_only_the_global_key_exclusively() -> None:
    users = [f"user-{i}" for i in range(MANY_USERS + 1)]
    assert event_order_locks(users) == [(EVENT_ORDER_LOCK, False)]
    assert len(event_order_locks(users[:MANY_USERS])) == MANY_USERS + 1
