"""Shared fixtures: a private Redis server, SQLite and (when DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from agent.__main__ import migrate
from agent.settings import Settings
from scripts.stack import _redis_ping, free_port

PAGE_ID = "111222333444555"
IG_ACCOUNT_ID = "17841400000000001"
X_USER_ID = "4337869213"
X_CONSUMER_SECRET = "test_consumer_secret"
X_USER_TOKEN = "test_x_user_token"
X_APP_ID = "13090192"
APP_SECRET = "test_app_secret"
VERIFY_TOKEN = "test_verify_token"
PAGE_TOKEN = "test_page_token"


@pytest.fixture(scope="session")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private redis-server for the whole session (never the machine's shared one)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed: run scripts/setup.sh"
    port = free_port()
    data = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _redis_ping(port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


@pytest.fixture
async def redis(redis_port: int) -> AsyncIterator[Redis]:
    client = Redis(port=redis_port)
    await client.flushall()
    yield client
    await client.aclose()


def _database_kinds() -> list[str]:
    kinds = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        kinds.append("postgresql")
    return kinds


@pytest.fixture(params=_database_kinds())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: SQLite always, PostgreSQL when DATABASE_URL points at one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agent.db'}"
        migrate(make_settings(database_url=url, redis_url="redis://unused"))
        yield url
        return
    yield from _postgres_database()


def _postgres_database() -> Iterator[str]:
    import psycopg

    admin = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql")
    name = f"agent_test_{secrets.token_hex(6)}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(make_settings(database_url=url, redis_url="redis://unused"))
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(*, database_url: str, redis_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "messenger_page_id": PAGE_ID,
        "instagram_account_id": IG_ACCOUNT_ID,
        "x_user_id": X_USER_ID,
        "x_consumer_secret": X_CONSUMER_SECRET,
        "x_user_token": X_USER_TOKEN,
        "x_app_id": X_APP_ID,
        "x_api_base": "http://graph.test",
        "messenger_app_secret": APP_SECRET,
        "messenger_verify_token": VERIFY_TOKEN,
        "messenger_page_token": PAGE_TOKEN,
        "rasa_url": "http://rasa.test",
        "graph_api_base": "http://graph.test",
        # Test clients speak plain HTTP to the app.
        "console_secure_cookies": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, redis_port: int) -> Settings:
    return make_settings(database_url=database_url, redis_url=f"redis://127.0.0.1:{redis_port}/0")
