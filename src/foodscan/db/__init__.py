"""Database access: engine, tables, migrations. Only db/ and jobs/sql.py build SQL."""

from __future__ import annotations
