"""Rasa's REST channel, with the message's metadata (channel, language, customer)."""

from __future__ import annotations

from typing import Any

import httpx

from agent.errors import RasaGaveNoReply, RasaUnavailable
from agent.signals.types import Intent

# The key under which the NLG endpoint hands Rasa's parse back with each reply.
PARSE_KEY = "agent_parse"


class RasaClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, token: str | None = None) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token

    async def converse(self, *, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        """The bot's reply texts to one customer message. Raises RasaUnavailable to retry later."""
        texts, _ = await self.converse_and_read(sender=sender, text=text, metadata=metadata)
        return texts

    async def converse_and_read(
        self, *, sender: str, text: str, metadata: dict[str, Any]
    ) -> tuple[list[str], Intent | None]:
        """The bot's replies and how Rasa read the message, from one pass: the app's NLG
        endpoint adds the parse to each reply as a `custom` item (agent/nlg/routes.py).
        The intent is None when the reply carried no parse."""
        try:
            response = await self._http.post(
                f"{self._base}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
        try:
            items = response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered something that is not JSON") from exc
        if not isinstance(items, list):
            raise RasaUnavailable("Rasa's REST channel answered something that is not a list")
        texts = [str(item["text"]) for item in items if isinstance(item, dict) and item.get("text")]
        if not texts:
            raise RasaGaveNoReply("Rasa answered with no message")
        return texts, _parse_of(items)

    async def parse(self, text: str) -> Intent:
        """Rasa's reading of `text` (`/model/parse`). FAQs come back as their retrieval key with
        the ResponseSelector's confidence, since that is what picks the answer."""
        try:
            response = await self._http.post(
                f"{self._base}/model/parse", json={"text": text}, params=self._auth()
            )
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
        try:
            return intent_from_parse(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise RasaUnavailable(f"Rasa's parse result is malformed: {exc!r}") from exc

    def _auth(self) -> dict[str, str] | None:
        return {"token": self._token} if self._token else None

    async def model_loaded(self) -> bool:
        return bool(await self.model_file())

    async def model_file(self) -> str | None:
        """The file name of the model Rasa serves; None when it is down or has none."""
        try:
            params = {"token": self._token} if self._token else None
            response = await self._http.get(f"{self._base}/status", params=params)
        except httpx.TransportError:
            return None
        if response.status_code != 200:
            return None
        try:
            name = response.json().get("model_file")
        except ValueError:
            return None
        return str(name) if name else None


def intent_from_parse(result: dict[str, Any]) -> Intent:
    intent = result.get("intent") or {}
    name = str(intent.get("name") or "nlu_fallback")
    confidence = float(intent.get("confidence") or 0.0)
    selector = (result.get("response_selector") or {}).get(name) or {}
    chosen = selector.get("response") or {}
    key = chosen.get("intent_response_key")
    if key:
        return Intent(name=str(key), confidence=round(float(chosen.get("confidence") or 0.0), 4))
    return Intent(name=name, confidence=round(confidence, 4))


def _parse_of(items: list[Any]) -> Intent | None:
    for item in items:
        custom = item.get("custom") if isinstance(item, dict) else None
        parse = custom.get(PARSE_KEY) if isinstance(custom, dict) else None
        if isinstance(parse, dict):
            try:
                return intent_from_parse(parse)
            except (ValueError, TypeError):
                return None
    return None
