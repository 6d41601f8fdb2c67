"""Runs the Alembic migrations to head on an engine (``foodscan migrate`` and embedded start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any 64-bit number; it serialises concurrent `foodscan migrate` runs on one PostgreSQL.
_PG_LOCK_KEY = 0x666F6F647363616E


@dataclass(frozen=True, slots=True)
class Migrated:
    """The schema's revision before and after a run (``before`` None: the database was empty)."""

    before: str | None
    after: str | None

    def describe(self) -> str:
        """One line for ``foodscan migrate``."""
        if self.before == self.after:
            return f"database is up to date (revision {self.after})"
        if self.before is None:
            return f"database schema created (revision {self.after})"
        return f"database migrated from revision {self.before} to {self.after}"


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> Migrated:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    before = _revision(connection)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    return Migrated(before, _revision(connection))


async def migrate(engine: AsyncEngine) -> Migrated:
    """Bring the schema to the newest revision; safe to run from several processes at once."""
    async with engine.begin() as conn:
        return await conn.run_sync(_upgrade)
