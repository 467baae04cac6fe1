"""Two requests at the same moment, for the tests of what happens then (a double click, two tabs, the QA
manager and the lead officer at once): each call runs in its own thread and database connection, and all
are held inside their transactions until each has got as far as it can, so they truly overlap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction


def waiting_for_locks() -> int:
    """How many connections to the test database are waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction, the view is read once
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _held(calls: dict[str, Callable[[], object]], catch: type[BaseException], *, one_by_one: bool) -> dict[str, object]:
    """Each call in its own thread and connection, all held inside their transactions (the access log
    locked, which each writes) until each has got as far as it can; `one_by_one`: each started once the
    ones before it are waiting for a lock. What each returned, or the `catch` it raised."""
    assert connection.vendor == "postgresql"  # about its row locks
    outcomes: dict[str, object] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            outcomes[name] = call()
        except catch as error:
            outcomes[name] = error
        finally:
            connection.close()

    def until_waiting(count: int) -> None:
        deadline = time.monotonic() + 30
        while waiting_for_locks() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_for_locks() == count, f"{count} call(s) started, not all waiting for a lock"

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE agencies_accessrecord IN EXCLUSIVE MODE")
        for started, thread in enumerate(threads, start=1):
            thread.start()
            if one_by_one:
                until_waiting(started)
        until_waiting(len(threads))
    for thread in threads:
        thread.join(30)
    return outcomes


def at_once(calls: dict[str, Callable[[], object]], *, catch: type[BaseException] = Exception) -> dict[str, object]:
    """Run each call in its own thread and connection, all held inside their transactions (the access log
    locked, which each writes) until each has got as far as it can: what each returned, or the `catch`
    it raised."""
    return _held(calls, catch, one_by_one=False)


def in_turn(calls: dict[str, Callable[[], object]], *, catch: type[BaseException] = Exception) -> dict[str, object]:
    """As at_once, but each call starts only once the ones before it are waiting for a lock (the access log,
    which each writes, or a row another holds): the first has taken its row locks before the next begins,
    as a request sent an instant earlier would have, and all still overlap. What each returned, or the
    `catch` it raised."""
    return _held(calls, catch, one_by_one=True)
