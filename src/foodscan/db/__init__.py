"""Database access: the engine, the tables and the migrations. Only db/ and jobs/sql.py build SQL."""

from __future__ import annotations
