"""Alembic environment for the acknowledgement database.

Run through ``policydocs acks migrate`` (:func:`policydocs.acks.migrate.upgrade`),
which hands over an open connection in ``config.attributes["connection"]``.
"""

from alembic import context

from policydocs.acks.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through policydocs acks migrate
    raise RuntimeError("run migrations with `policydocs acks migrate`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
