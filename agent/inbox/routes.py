"""Platform webhooks. Verify on the raw bytes, parse, store and queue; answer fast."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from agent.errors import PayloadTooLarge, SignatureError
from agent.inbox.service import accept_batch
from agent.settings import Settings
from connectors.events import Channel, ParsedBatch
from connectors.meta.parse import parse_webhook
from connectors.meta.verify import signature_is_valid, subscription_challenge
from connectors.x.parse import parse_webhook as parse_x_webhook
from connectors.x.verify import SIGNATURE_HEADER as X_SIGNATURE_HEADER
from connectors.x.verify import crc_response
from connectors.x.verify import signature_is_valid as x_signature_is_valid

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than `limit` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/messenger")
@router.get("/instagram")
async def meta_verify(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> PlainTextResponse:
    """Meta's subscription handshake (the same app serves Messenger and Instagram)."""
    answer = subscription_challenge(
        mode=mode,
        token=token,
        challenge=challenge,
        verify_token=settings.messenger_verify_token.get_secret_value(),
    )
    if answer is None:
        return PlainTextResponse("verification failed", status_code=403)
    return PlainTextResponse(answer)


@router.post("/messenger")
async def messenger_events(request: Request, settings: SettingsDep) -> JSONResponse:
    return await _meta_events(request, settings, Channel.MESSENGER)


@router.post("/instagram")
async def instagram_events(request: Request, settings: SettingsDep) -> JSONResponse:
    return await _meta_events(request, settings, Channel.INSTAGRAM)


async def _meta_events(request: Request, settings: Settings, channel: Channel) -> JSONResponse:
    body = await read_body(request, settings.max_body_bytes)
    header = request.headers.get("x-hub-signature-256")
    # Each secret is checked in constant time. A body signed by any of the brand's Meta apps is
    # authentic; which accounts it may speak for is then checked per event (known accounts).
    if not any(signature_is_valid(secret, body, header) for secret in settings.meta_app_secrets()):
        raise SignatureError("missing or invalid X-Hub-Signature-256")
    batch = parse_webhook(body, channel=channel)
    return await _accept(request, batch, channel, settings.accounts(channel))


@router.get("/x")
async def x_crc(
    settings: SettingsDep, crc_token: Annotated[str | None, Query()] = None
) -> JSONResponse:
    """X's challenge-response check, on registration and periodically after."""
    if settings.x_consumer_secret is None or not crc_token:
        return JSONResponse({"error": "no X account configured or no crc_token"}, 403)
    return JSONResponse(crc_response(settings.x_consumer_secret.get_secret_value(), crc_token))


@router.post("/x")
async def x_events(request: Request, settings: SettingsDep) -> JSONResponse:
    body = await read_body(request, settings.max_body_bytes)
    secret = settings.x_consumer_secret.get_secret_value() if settings.x_consumer_secret else ""
    if not x_signature_is_valid(secret, body, request.headers.get(X_SIGNATURE_HEADER)):
        raise SignatureError(f"missing or invalid {X_SIGNATURE_HEADER}")
    batch = parse_x_webhook(body, own_app_id=settings.x_app_id)
    return await _accept(request, batch, Channel.X, settings.accounts(Channel.X))


async def _accept(
    request: Request, batch: ParsedBatch, channel: Channel, accounts: set[str]
) -> JSONResponse:
    result = await accept_batch(
        batch, channel=channel, known_accounts=accounts, queue=request.app.state.queue
    )
    return JSONResponse(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "skipped": result.skipped,
            "unsent": result.unsent,
        }
    )
