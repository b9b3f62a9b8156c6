"""The app's CRM API as the actions use it: the two bot endpoints of `agent.crm.http`.

Errors:

CrmError
├── CrmUnavailable   timeout, connection error, 429, 5xx, an answer off the contract
└── CrmRejected      401/403 (a wrong token: configuration) and other 4xx
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import aiohttp

from actions.contract import (
    CancellationReply,
    Disclosure,
    cancellation_from_wire,
    disclosure_from_wire,
)
from actions.settings import ActionSettings

T = TypeVar("T")


class CrmError(Exception):
    pass


class CrmUnavailable(CrmError):
    pass


class CrmRejected(CrmError):
    pass


class OrderCrm(Protocol):
    """What the order actions need of the CRM (the tests give a fake)."""

    async def disclosure(
        self, number: str, *, identity: str | None, proof: str | None
    ) -> Disclosure: ...

    async def cancel(
        self, number: str, *, identity: str | None, proof: str | None, reason: str
    ) -> CancellationReply: ...


class CrmClient:
    def __init__(self, *, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    @classmethod
    def from_settings(cls, settings: ActionSettings) -> CrmClient:
        return cls(
            base_url=settings.crm_url, token=settings.crm_token, timeout_s=settings.crm_timeout_s
        )

    async def disclosure(
        self, number: str, *, identity: str | None, proof: str | None
    ) -> Disclosure:
        body = {"identity": identity, "proof": proof}
        data = await self._post(f"/orders/{quote(number, safe='')}/disclosure", body)
        return _parse(disclosure_from_wire, data)

    async def cancel(
        self, number: str, *, identity: str | None, proof: str | None, reason: str
    ) -> CancellationReply:
        body = {"identity": identity, "proof": proof, "reason": reason}
        data = await self._post(f"/orders/{quote(number, safe='')}/customer-cancellation", body)
        return _parse(cancellation_from_wire, data)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"}
        # A session per call: an action runs a call or two, and a session must not outlive the
        # event loop it was made on.
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(f"{self._base}{path}", json=body, headers=headers) as response,
            ):
                status = response.status
                if status == 429 or status >= 500:
                    raise CrmUnavailable(f"CRM answered {status} to POST {path}")
                if status >= 400:
                    text = (await response.text())[:200]
                    raise CrmRejected(f"CRM refused POST {path} ({status}): {text}")
                data = await response.json(content_type=None)
        # On Python 3.10 asyncio's TimeoutError is not the built-in one.
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise CrmUnavailable(f"CRM unreachable: POST {path}: {exc!r}") from exc
        except ValueError as exc:  # the body is not JSON
            raise CrmUnavailable(f"CRM answered something that is not JSON: POST {path}") from exc
        if not isinstance(data, dict):
            raise CrmUnavailable(f"CRM answered JSON that is not an object: POST {path}")
        return data


def _parse(parse: Callable[[dict[str, Any]], T], data: dict[str, Any]) -> T:
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CrmUnavailable(f"CRM answer does not follow the contract: {exc!r}") from exc
