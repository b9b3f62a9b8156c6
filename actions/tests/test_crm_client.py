"""The CRM client against a real HTTP server that answers like the app's CRM API (or not)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from actions.contract import CancellationOutcome, Carrier, OrderStatus
from actions.crm_client import CrmClient, CrmRejected, CrmUnavailable

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DISCLOSED = {
    "decision": "disclose",
    "verified_by": "linked_identity",
    "order": {
        "number": "TB-240392",
        "status": "shipped",
        "placed_at": "2026-11-17T12:05:00+00:00",
        "carrier": "yamato",
        "tracking_number": "4921-3390-1264",
        "cancellation_requested": False,
        "cancellation": "return_instead",
    },
}


def serve(
    handler: Handler, call: Callable[[CrmClient], Awaitable[Any]], timeout_s: float = 5.0
) -> Any:
    """Run `call` against a local server answering every request with `handler`."""

    async def main() -> Any:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            client = CrmClient(
                base_url=f"http://127.0.0.1:{port}/crm/v1/", token="s3cret", timeout_s=timeout_s
            )
            return await call(client)
        finally:
            await runner.cleanup()

    return asyncio.run(main())


def test_a_disclosure_is_asked_with_the_token_identity_and_proof() -> None:
    seen: list[tuple[str, str, str, Any]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(
            (request.method, request.path, request.headers["Authorization"], await request.json())
        )
        return web.json_response(DISCLOSED)

    found = serve(handler, lambda c: c.disclosure("TB-240392", identity="messenger:1", proof=None))
    assert seen == [
        (
            "POST",
            "/crm/v1/orders/TB-240392/disclosure",
            "Bearer s3cret",
            {"identity": "messenger:1", "proof": None},
        )
    ]
    assert found.order is not None
    assert found.order.status is OrderStatus.SHIPPED and found.order.carrier is Carrier.YAMATO
    assert found.order.cancellation is CancellationOutcome.RETURN_INSTEAD


def test_a_refusal_carries_no_order() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({"decision": "ask_to_verify", "proof_rejected": True})

    found = serve(handler, lambda c: c.disclosure("TB-240392", identity=None, proof="1"))
    assert found.order is None and found.proof_rejected


def test_a_cancellation_sends_the_reason_and_reads_the_outcome() -> None:
    bodies: list[Any] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        bodies.append((request.path, await request.json()))
        result = {"order_number": "TB-240405", "outcome": "cancelled", "status": "cancelled"}
        return web.json_response({"decision": "disclose", "verified_by": "email", "result": result})

    done = serve(
        handler,
        lambda c: c.cancel("TB-240405", identity="x:1", proof="a@example.com", reason="asked"),
    )
    assert bodies == [
        (
            "/crm/v1/orders/TB-240405/customer-cancellation",
            {"identity": "x:1", "proof": "a@example.com", "reason": "asked"},
        )
    ]
    assert done.outcome is CancellationOutcome.CANCELLED


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_crm_in_trouble_is_unavailable(status: int) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({"detail": "busy"}, status=status)

    with pytest.raises(CrmUnavailable):
        serve(handler, lambda c: c.disclosure("TB-1", identity=None, proof=None))


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_a_refused_request_is_rejected(status: int) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({"detail": "no"}, status=status)

    with pytest.raises(CrmRejected, match=str(status)):
        serve(handler, lambda c: c.disclosure("TB-1", identity=None, proof=None))


@pytest.mark.parametrize(
    "body",
    [
        web.Response(text="<html>proxy error</html>", content_type="text/html"),
        web.json_response(["not", "an", "object"]),
        web.json_response({"decision": "maybe"}),
        web.json_response({"decision": "disclose", "order": {"number": "TB-1", "status": "lost"}}),
    ],
)
def test_an_answer_off_the_contract_is_unavailable(body: web.Response) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return body

    with pytest.raises(CrmUnavailable):
        serve(handler, lambda c: c.disclosure("TB-1", identity=None, proof=None))


def test_a_slow_crm_times_out_as_unavailable() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)
        return web.json_response(DISCLOSED)

    with pytest.raises(CrmUnavailable):
        serve(handler, lambda c: c.disclosure("TB-1", identity=None, proof=None), timeout_s=0.2)


def test_an_unreachable_crm_is_unavailable() -> None:
    async def call() -> Any:
        client = CrmClient(base_url="http://127.0.0.1:9/crm/v1", token="t", timeout_s=1)
        return await client.disclosure("TB-1", identity=None, proof=None)

    with pytest.raises(CrmUnavailable):
        asyncio.run(call())
