"""What `radar db upgrade` and `radar db copy` do: the schema brought to the newest migration, and a whole
database moved to another URL (a SQLite file to PostgreSQL, above all), resumably, then verified.

Each returns its exit code: 0 done, 1 the copy's verification found a table that differs (or another
collection holds the source's lock), 2 usage or database errors (raised, and turned into 2 by the CLI).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial

from rich.text import Text
from sqlalchemy import Table
from sqlalchemy.engine import Engine

import db
from collector.commands import EXIT_OK, EXIT_PARTIAL
from collector.config import Settings
from collector.errors import ConfigError
from collector.locking import CollectionLock, holder_name
from collector.output import checksums_table, err, out, progress_bars

DEFAULT_BATCH = 5000
# Who holds the source's collection lock during a copy: a later copy knows an earlier one by it.
COPY_HOLDER = "radar db copy"


# -- radar db upgrade -----------------------------------------------------------------------------------
def upgrade(settings: Settings) -> int:
    """Apply the migrations the database lacks, and say from which revision to which."""
    engine = db.make_engine(settings.database_url)
    try:
        before = db.current_revision(engine)
        db.migrate(engine)
        after = db.current_revision(engine)
        if index_for_search(engine):  # papers a migration left unindexed (0008 on PostgreSQL: all of them)
            db.analyze(engine, db.copied_tables())  # every paper row was rewritten: fresh statistics
    finally:
        engine.dispose()
    where = db.mask_url(settings.database_url)
    if before == after:
        out.print(Text(f"Database {where}: schema {after}, already the newest."))
    else:
        out.print(Text(f"Database {where}: schema upgraded from {before or 'nothing'} to {after}."))
    return EXIT_OK


# -- radar db copy --------------------------------------------------------------------------------------
def copy(settings: Settings, to_url: str, batch: int, restart: bool) -> int:
    """Copy RADAR_DATABASE_URL's database to `to_url` (its schema created or upgraded), under the source's
    collection lock so that nothing collects meanwhile; then compare every table's count and checksum."""
    if batch < 1:
        raise ConfigError(f"--batch-size must be 1 or more, not {batch}")
    if db.mask_url(to_url) == db.mask_url(settings.database_url):
        raise ConfigError(f"--to {db.mask_url(to_url)} is the database being copied (RADAR_DATABASE_URL)")
    source, target = db.make_engine(settings.database_url), db.make_engine(to_url)
    try:
        db.ensure_schema(source)
        db.ensure_schema(target, upgrade=True)
        tables = db.copied_tables()
        with source_lock(source, settings.lock_ttl_seconds):
            if restart:
                db.empty_tables(target, tables)
            copy_tables(source, target, tables, batch)
            index_for_search(target)
            db.analyze(target, tables)
            return verify(source, target, tables, batch)
    finally:
        source.dispose()
        target.dispose()


def source_lock(source: Engine, ttl_seconds: float) -> CollectionLock:
    """The source's collection lock, taken (no collection writes during the copy). A lock that an earlier
    copy still holds (one killed half way keeps it until it expires) is waited for; a collector's is not:
    LockHeldError, exit 1."""
    lock = CollectionLock(source, ttl_seconds, holder=f"{COPY_HOLDER} {holder_name()}")
    said = False
    while not lock.acquire():
        held = lock.held_error()
        if not held.holder.startswith(COPY_HOLDER):
            raise held
        if not said:
            err.print(
                Text(
                    f"An earlier copy holds the source's lock ({held.holder}) until {held.expires}: waiting."
                )
            )
            said = True
        time.sleep(1)
    return lock


def copy_tables(source: Engine, target: Engine, tables: Sequence[Table], batch: int) -> None:
    """Every table, parents first, with a bar each; a plain line per table for logs."""
    with progress_bars(disable=False) as bars:
        for table in tables:
            total, there = db.row_count(source, table), db.row_count(target, table)
            task = bars.add_task(
                f"copy {table.name}", total=total or 1, completed=min(there, total) or not total
            )
            started = time.perf_counter()
            copied = db.copy_table(source, target, table, batch, partial(bars.advance, task))
            seconds = time.perf_counter() - started
            resumed = f" (resumed after {there:,} already there)" if there else ""
            bars.console.print(f"{table.name}: {copied:,} rows copied in {seconds:.1f} s{resumed}")


def index_for_search(engine: Engine) -> int:
    """Index the papers the search index lacks, with a bar; silent when there are none. How many."""
    with db.session_scope(engine) as session:
        pending = db.unindexed_count(session)
    if not pending:
        return 0
    with progress_bars(disable=False) as bars:
        task = bars.add_task("index for search", total=pending)
        started = time.perf_counter()
        done = db.index_for_search(engine, DEFAULT_BATCH, partial(bars.advance, task))
        bars.console.print(f"search index: {done:,} papers indexed in {time.perf_counter() - started:.1f} s")
    return done


def verify(source: Engine, target: Engine, tables: Sequence[Table], batch: int) -> int:
    """Count and checksum every table on both sides; a table that differs makes the exit code 1."""
    found: list[tuple[str, db.Digest, db.Digest]] = []
    with progress_bars(disable=False) as bars:
        for table in tables:
            total = db.row_count(source, table)
            task = bars.add_task(f"verify {table.name}", total=2 * total or 1, completed=not total)
            advance = partial(bars.advance, task)
            found.append((table.name, db.table_digest(source, table, batch, advance),
                          db.table_digest(target, table, batch, advance)))  # fmt: skip
    out.print(checksums_table(found))
    differing = [name for name, mine, theirs in found if mine != theirs]
    if differing:
        out.print(
            Text(
                f"{len(differing)} table(s) differ: {', '.join(differing)}. Stop what writes to the source "
                "(the dashboard, the scheduler) and copy again with --restart.",
                style="red",
            )
        )
        return EXIT_PARTIAL
    out.print(Text(f"Copied and verified: {db.mask_url(str(target.url))} holds the same rows."))
    return EXIT_OK
