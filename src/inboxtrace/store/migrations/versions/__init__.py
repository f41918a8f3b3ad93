"""Revision files (Alembic reads them by path; this file only makes the folder a package)."""
