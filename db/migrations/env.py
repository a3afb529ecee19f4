"""Alembic environment: runs the migrations on the connection `db.migrate` hands over (no alembic.ini).

A new revision, from the repository root, against a database migrated to head:

    import db
    from alembic import command
    engine = db.make_engine("sqlite:////tmp/m.sqlite")
    db.migrate(engine)
    with engine.connect() as connection:
        command.revision(db.alembic_config(connection), "what changed", autogenerate=True)

then clean the generated file up by hand (names, server defaults, data moves).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from db.schema import Base
from db.search import autogenerate_includes


def run_migrations(connection: Connection) -> None:
    # Batch mode turns ALTERs SQLite cannot do into copy-and-rename; PostgreSQL runs them directly.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=autogenerate_includes,  # SQLite's full-text tables are not models
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run db.migrate(engine)")
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("no connection given: run db.migrate(engine) or pass db.alembic_config(connection)")
run_migrations(connection)
