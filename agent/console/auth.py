"""Console logins: argon2-hashed passwords, server-side sessions in Redis behind an opaque
cookie, and a CSRF token per session that every state-changing request must echo."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent import redis_keys
from agent.handoff.models import Staff

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_HEADER = "x-csrf-token"

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown costs the same time as a real check, so
# response times do not tell which e-mails have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, *, email: str, password: str) -> Staff | None:
    query = select(Staff).where(func.lower(Staff.email) == email.strip().lower())
    staff = (await session.execute(query)).scalar_one_or_none()
    if not password_matches(staff.password_hash if staff else None, password):
        return None
    return staff


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    staff_id: int
    csrf: str


def _key(token: str) -> str:
    # Only a hash of the cookie is stored: a Redis dump does not hand out live sessions.
    return redis_keys.console_session_key(hashlib.sha256(token.encode()).hexdigest())


class SessionStore:
    def __init__(self, redis: Redis, *, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def create(self, staff_id: int) -> tuple[str, ConsoleSession]:
        token = secrets.token_urlsafe(32)
        session = ConsoleSession(staff_id=staff_id, csrf=secrets.token_urlsafe(32))
        value = json.dumps({"staff_id": staff_id, "csrf": session.csrf})
        await self._redis.set(_key(token), value, ex=self._ttl_s)
        return token, session

    async def get(self, token: str | None) -> ConsoleSession | None:
        """The session behind a cookie, its lifetime renewed (idle sessions expire)."""
        if not token:
            return None
        key = _key(token)
        raw = await self._redis.get(key)
        if raw is None:
            return None
        await self._redis.expire(key, self._ttl_s)
        data = json.loads(raw)
        return ConsoleSession(staff_id=int(data["staff_id"]), csrf=str(data["csrf"]))

    async def delete(self, token: str | None) -> None:
        if token:
            await self._redis.delete(_key(token))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))
