"""Database engines and sessions. SQLite by default, PostgreSQL via AGENT_DATABASE_URL."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def async_url(url: str) -> str:
    """The driver-qualified URL for the async engine (aiosqlite / psycopg 3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database: {backend}")


def sync_url(url: str) -> str:
    """The driver-qualified URL for Alembic's synchronous engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return parsed.set(drivername="sqlite").render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    # A server connection can drop; a local SQLite file cannot, so it skips the ping.
    server = make_url(url).get_backend_name() != "sqlite"
    engine = create_async_engine(async_url(url), pool_pre_ping=server)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets the worker write while the app writes; busy_timeout waits instead of failing.
    # synchronous=NORMAL under WAL keeps every commit across an app crash (only a power loss
    # can lose the last commits) without an fsync per commit.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
