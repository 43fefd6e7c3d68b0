"""One leader per database among the followers of the log, and its wake-ups."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import Connection, sql

from cs.adapters.follower.backoff import Backoff
from cs.adapters.follower.lock import AdvisoryLock
from cs.adapters.follower.session import SESSION
from cs.describe import one_line

_log = logging.getLogger(__name__)
_BACKOFF = Backoff()  # immutable: one default for all


class Leadership:
    """Takes the leader lock when it can, from a thread of its own, and holds it.

    The leader is the process holding `lock` on a session of its own. Promises:
    - `term` is a number only while this process holds the lock on a live session (a
      new number each time it takes it), None otherwise; a failed session is noticed
      within `tick` seconds (keepalives bound a silent one), then `term` turns None and
      `wake` is called;
    - while it leads, each NOTIFY on `channel` calls `wake` (without a channel, the
      session is checked with a query every `check_interval` instead);
    - standing by, it tries the lock every `retry_interval`; with the database
      unreachable, after `backoff`; `resign()` gives the lock up (closes its session)
      and tries again after `retry_interval`; `stop()` gives it up for good.

    `wake` is called from this object's thread, so it must be thread-safe; every other
    method may be called from any thread.
    """

    def __init__(
        self,
        *,
        conninfo: str,
        lock: AdvisoryLock,
        channel: str | None,
        wake: Callable[[], None],
        label: str,
        log: logging.Logger = _log,
        retry_interval: float = 1.0,
        backoff: Backoff = _BACKOFF,
        tick: float = 0.25,
        check_interval: float = 1.0,
    ) -> None:
        self._conninfo = conninfo
        self._lock = lock
        self._channel = channel
        self._wake = wake
        self._label = label  # how log lines name the follower, e.g. "relay 'amqp'"
        self._log = log
        self._retry_interval = retry_interval
        self._backoff = backoff
        self._tick = tick
        self._check_interval = check_interval
        self._state = threading.Lock()
        self._term: int | None = None
        self._terms = 0
        self._resigning = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Connection[Any] | None = None  # used by this object's thread only
        self._standby_logged = False

    @property
    def term(self) -> int | None:
        """The current term while this process leads, else None."""
        return self._term

    def leads(self, term: int) -> bool:
        """Whether this process still leads in `term` (False once it lost it, even if it
        leads again since: what was read in an old term must be read again)."""
        return self._term == term

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cs-leader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Give the lock up and end the thread (waiting at most `timeout` for it)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def resign(self) -> None:
        """Give the lock up now, so another process may lead; try again later."""
        self._resigning.set()
        self._end_term(self._term)

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                self._resigning.clear()  # a resignation only ends the term it was asked in
                try:
                    pause = self._attempt()
                    failures = 0
                except Exception as error:
                    pause = self._backoff.delay(failures)
                    failures += 1
                    self._failed(error, pause)
                self._stopping.wait(pause)
        finally:
            self._close()

    def _failed(self, error: Exception, pause: float) -> None:
        self._close()
        if isinstance(error, psycopg.Error | OSError):
            message = "%s: database unavailable (%s); retrying in %.1fs"
            self._log.warning(message, self._label, one_line(error), pause)
        else:  # a bug: said loudly, with its traceback, and leadership is tried again
            message = "%s: leader thread failed (%s); retrying in %.1fs"
            self._log.error(message, self._label, one_line(error), pause, exc_info=error)

    def _attempt(self) -> float:
        """Take the lock if it is free and hold it; seconds to wait before the next attempt."""
        if self._conn is None or self._conn.closed:
            self._conn = Connection.connect(self._conninfo, **SESSION)
        if not self._lock.try_take(self._conn):
            self._stand_by()
            return self._retry_interval  # the session is kept for the next attempt
        try:
            return self._hold(self._conn)
        finally:
            self._close()  # ends the session, so the lock is free for another process

    def _stand_by(self) -> None:
        if not self._standby_logged:
            self._log.info("%s: another one leads; standing by", self._label)
            self._standby_logged = True

    def _hold(self, conn: Connection[Any]) -> float:
        """Lead until the session fails, or resign or stop is asked for."""
        if self._channel is not None:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        term = self._begin_term()
        try:
            self._watch(conn)
        except (psycopg.Error, OSError) as error:
            self._log.warning("%s: lost the leader session (%s)", self._label, one_line(error))
            return 0.0  # try again at once: the lock may be free, or the database away
        finally:
            self._end_term(term)
        return self._retry_interval

    def _watch(self, conn: Connection[Any]) -> None:
        """Wake the owner on each NOTIFY; a bounded wait, so a dead session shows soon."""
        next_check = time.monotonic() + self._check_interval
        while not (self._stopping.is_set() or self._resigning.is_set()):
            for _ in conn.notifies(timeout=self._tick, stop_after=1):
                self._wake()
            if self._channel is None and time.monotonic() >= next_check:
                conn.execute("SELECT 1")
                next_check = time.monotonic() + self._check_interval

    def _begin_term(self) -> int:
        with self._state:
            self._terms += 1
            self._term = term = self._terms
        self._standby_logged = False
        self._log.info("%s: this one leads (it holds the leader lock)", self._label)
        self._wake()
        return term

    def _end_term(self, term: int | None) -> None:
        with self._state:
            if term is None or self._term != term:
                return
            self._term = None
        self._wake()  # the owner is told at once, not at its next poll

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken session may fail too
                conn.close()
