"""Calls run in threads released together, for the race tests on PostgreSQL."""

import threading
import time
from dataclasses import dataclass

from django.db import connection

# Seconds a racing thread may take before the test calls it hung.
JOIN_TIMEOUT = 60


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None

    @property
    def ok(self):
        return self.error is None


def run_together(calls, *, on_release=None) -> list[Outcome]:
    """Run each call in its own thread, all released at once; return their outcomes.

    Each thread opens its database connection before the barrier, so that the calls
    meet in the database rather than in connection setup. `on_release` runs once, in
    one of the threads, after all have arrived at the barrier and before any is let go.
    """
    barrier = threading.Barrier(len(calls), action=on_release)
    outcomes = [Outcome() for _ in calls]

    def work(index, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index].value = call()
        except BaseException as exc:  # reported to the test, which asserts on it
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def wait_for_a_blocked_query(timeout=20):
    """Return once another connection to this database waits for a lock (PostgreSQL)."""
    give_up = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < give_up:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError("no other connection came to wait for the lock")
