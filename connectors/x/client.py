"""X v2 direct-message send client. The httpx client is injected (tests and the demo point it
at the local fake)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx

from agent.errors import SendRejected, SendRetryable
from connectors.messenger.client import SentMessage
from connectors.meta.quick_replies import QuickReply
from connectors.text import split_text

# The v2 reference said "up to 10,000 characters"; the current OpenAPI spec is silent, so the
# documented figure is kept.
MAX_TEXT_CHARS = 10_000


def split_for_x(text: str) -> list[str]:
    return split_text(text, MAX_TEXT_CHARS)


class XClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, user_token: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = user_token

    async def send_text(
        self,
        recipient_id: str,
        text: str,
        *,
        messaging_type: str = "",
        tag: str | None = None,
        quick_replies: Sequence[QuickReply] = (),
    ) -> SentMessage:
        """`POST /2/dm_conversations/with/:participant_id/messages` → 201. X has no messaging
        window: `messaging_type` and `tag` are Meta's and are ignored here. The v2 endpoint has
        no quick replies either: the text itself says what to answer."""
        try:
            response = await self._http.post(
                f"{self._base}/2/dm_conversations/with/{recipient_id}/messages",
                headers={"Authorization": f"Bearer {self._token}"},
                json={"text": text},
            )
        except httpx.TransportError as exc:
            raise SendRetryable(f"X API unreachable: {exc!r}") from exc
        if response.status_code == 201:
            data = _json(response).get("data") or {}
            return SentMessage(
                recipient_id=recipient_id, message_id=str(data.get("dm_event_id", ""))
            )
        detail = _detail(response)
        if response.status_code == 429:
            raise SendRetryable(
                f"X rate limit: {detail}", retry_after_s=_seconds_until_reset(response)
            )
        if response.status_code >= 500:
            raise SendRetryable(f"X API {response.status_code}: {detail}")
        raise SendRejected(detail, code=response.status_code)

    async def sender_action(self, recipient_id: str, action: str) -> None:
        """X has no "seen" or "typing" action for DMs sent through the API."""


def _seconds_until_reset(response: httpx.Response) -> float | None:
    reset = response.headers.get("x-rate-limit-reset")
    if reset is None or not reset.isdigit():
        return None
    return max(0.0, int(reset) - time.time())


def _detail(response: httpx.Response) -> str:
    data = _json(response)
    if isinstance(data.get("detail"), str):
        return str(data["detail"])  # problem+json
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", ""))  # the legacy shape
    return response.text[:300] or response.reason_phrase


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
