"""Alembic's environment: runs the revisions on the connection :mod:`inboxtrace.store.migrate`
passes in (``config.attributes["connection"]``), inside that connection's transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from inboxtrace.store.core import metadata

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table instead
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
