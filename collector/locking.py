"""The collection lock: one collector at a time per database, held in the database itself.

`radar collect` and every scheduled job take it before fetching anything. The holder renews it from a
heartbeat thread every third of `RADAR_LOCK_TTL_SECONDS`; it is released on exit (even after an error),
and a holder that died without releasing it loses it once it expires unrenewed, to whoever asks next.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

import db
from collector.clock import utc_now
from collector.errors import LockHeldError

logger = logging.getLogger(__name__)


def holder_name() -> str:
    """Who is asking: host, process id and a random tag (a pid can be reused after a crash)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_process(holder: str) -> tuple[str, int] | None:
    """(host, process id) of a holder_name(); None for a holder named otherwise."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def holder_gone(holder: str) -> bool:
    """True when `holder` is a process of this machine that no longer exists (killed before it could
    release the lock, which then only expires); False while it lives, or when that cannot be told (a
    process on another host, a holder named otherwise)."""
    process = holder_process(holder)
    if process is None or process[0] != socket.gethostname():
        return False
    try:
        os.kill(process[1], 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


class CollectionLock:
    """`with CollectionLock(engine, ttl_seconds):` holds the lock for the block or raises LockHeldError."""

    def __init__(
        self,
        engine: Engine,
        ttl_seconds: float,
        name: str = db.COLLECTION_LOCK,
        holder: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine, self.name, self.clock = engine, name, clock
        self.ttl = timedelta(seconds=ttl_seconds)
        self.holder = holder or holder_name()
        self.lost = False  # set when a heartbeat found the lock taken over
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> bool:
        with db.session_scope(self.engine) as session:
            return db.acquire_lock(session, self.name, self.holder, self.clock(), self.ttl)

    def renew(self) -> bool:
        with db.session_scope(self.engine) as session:
            return db.renew_lock(session, self.name, self.holder, self.clock(), self.ttl)

    def release(self) -> None:
        with db.session_scope(self.engine) as session:
            db.release_lock(session, self.name, self.holder)

    def __enter__(self) -> CollectionLock:
        if not self.acquire():
            raise self.held_error()
        self._beat = threading.Thread(target=self._heartbeat, name="radar-lock-heartbeat", daemon=True)
        self._beat.start()
        logger.info("lock %r taken by %s", self.name, self.holder)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=10)
        self.release()
        logger.info("lock %r released by %s", self.name, self.holder)

    def held_error(self) -> LockHeldError:
        with db.session_scope(self.engine) as session:
            current = db.lock_holder(session, self.name)
        if current is None:  # released between our attempt and this look: rare, say so plainly
            return LockHeldError("another collector", "a moment ago", "now")
        return LockHeldError(current.holder, current.acquired_at.isoformat(), current.expires_at.isoformat())

    def _heartbeat(self) -> None:
        interval = self.ttl.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                if not self.renew():
                    self.lost = True
                    logger.error("lock %r of %s expired and was taken over", self.name, self.holder)
                    return
            except db.StorageError as exc:  # the next beat may succeed; the lock outlives one miss
                logger.warning("lock %r heartbeat failed: %s", self.name, exc)
