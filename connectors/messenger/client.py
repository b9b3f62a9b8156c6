"""Messenger Send API client. The httpx client is injected so tests and the demo can point it
at the local fake (or swap the transport)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from agent.errors import SendRejected, SendRetryable
from connectors.meta.quick_replies import QuickReply, quick_replies_body
from connectors.text import split_text

# "text must be UTF-8 and less than 2000 characters"
MAX_TEXT_CHARS = 1999

# Meta error codes worth another try: transient (1, 2), app/page/user rate limits (4, 17, 32, 613).
_RETRYABLE_CODES = {1, 2, 4, 17, 32, 613}
# "(#10) This message is sent outside of allowed window".
OUTSIDE_WINDOW = (10, 2018278)


@dataclass(frozen=True, slots=True)
class SentMessage:
    recipient_id: str
    message_id: str


class MessengerClient:
    def __init__(
        self, http: httpx.AsyncClient, *, base_url: str, graph_version: str, page_token: str
    ) -> None:
        self._http = http
        self._url = f"{base_url.rstrip('/')}/{graph_version}/me/messages"
        self._token = page_token

    async def send_text(
        self,
        recipient_id: str,
        text: str,
        *,
        messaging_type: str = "RESPONSE",
        tag: str | None = None,
        quick_replies: Sequence[QuickReply] = (),
    ) -> SentMessage:
        """Send one message. Callers split long text first (`split_for_messenger`) and take
        `messaging_type` / `tag` from the window rules."""
        message: dict[str, Any] = {"text": text}
        if quick_replies:
            message["quick_replies"] = quick_replies_body(quick_replies)
        body: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": messaging_type,
            "message": message,
        }
        if tag is not None:
            body["tag"] = tag
        return await self._post(body)

    async def sender_action(self, recipient_id: str, action: str) -> None:
        await self._post({"recipient": {"id": recipient_id}, "sender_action": action})

    async def _post(self, body: dict[str, Any]) -> SentMessage:
        try:
            response = await self._http.post(
                self._url, params={"access_token": self._token}, json=body
            )
        except httpx.TransportError as exc:
            raise SendRetryable(f"Send API unreachable: {exc!r}") from exc
        data = _json(response)
        if response.is_success:
            return SentMessage(
                recipient_id=str(data.get("recipient_id", "")),
                message_id=str(data.get("message_id", "")),
            )
        raw_error = data.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        subcode = (
            error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
        )
        message = str(error.get("message") or response.text[:300] or response.reason_phrase)
        if response.status_code >= 500 or response.status_code == 429 or code in _RETRYABLE_CODES:
            raise SendRetryable(f"Send API {response.status_code}: {message}")
        raise SendRejected(message, code=code, subcode=subcode)


def split_for_messenger(text: str) -> list[str]:
    return split_text(text, MAX_TEXT_CHARS)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
