"""Alembic migrations of the store's tables.

``versions/`` holds one revision per schema change, oldest first: ``0001`` is the schema of
inboxtrace 0.1.0 (the last release before migrations; its stores carry no ``alembic_version``
table and are stamped at ``0001`` when opened). :mod:`inboxtrace.store.migrate` runs them when a
store is opened; nobody needs the ``alembic`` command or an ``alembic.ini``.

To change an existing table: add a revision file to ``versions/`` (``python -m
inboxtrace.store.migrate revision "what it does"`` writes the skeleton), change the table in its
store module, and add a test that opens a store of the previous revision and keeps every row.
A new table needs no revision: tables missing from a store are created when it is opened.
"""
