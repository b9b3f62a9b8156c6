"""The CRM contract, run against every backend: SqlCrm on SQLite (and PostgreSQL when
DATABASE_URL is set), HttpCrm against the fake CRM over ASGI, and HttpCrm against the app's own
CRM API (/crm/v1, served from its SQL CRM). Then what only one backend does: seeding,
conversation summaries, and HttpCrm's failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.__main__ import migrate
from agent.app import create_app
from agent.crm.base import Crm
from agent.crm.demo import load_demo, seed_demo
from agent.crm.errors import (
    CrmRejected,
    CrmUnavailable,
    CustomerNotFound,
    IdentityConflict,
    OrderNotFound,
)
from agent.crm.http import HttpCrm
from agent.crm.models import CrmCustomer, CrmIdentity, CrmNote, CrmOrder
from agent.crm.sql import SqlCrm
from agent.crm.types import CancellationOutcome, Carrier, Identity, OrderStatus, Tier
from agent.db import create_engine, sessionmaker
from agent.errors import ConfigError, TransientError
from agent.records.models import Conversation, Direction, Message, MessageStatus
from connectors.fakes.crm import create_fake_crm
from tests.conftest import PAGE_ID, _database_kinds, _postgres_database, make_settings
from tests.integration.helpers import app_client

DEMO = load_demo()
TOKEN = "test_crm_token"
CRM_URL = "http://crm.test"

AddConversation = Callable[[Identity, datetime, str], Awaitable[None]]


@dataclass
class Backend:
    crm: Crm
    # Record a conversation the CRM knows of: the app's own table, or the fake's memory.
    add_conversation: AddConversation


@contextmanager
def migrated_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Like the `database_url` fixture, for a fixture that only sometimes needs a database."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
        migrate(make_settings(database_url=url, redis_url="redis://unused"))
        yield url
        return
    databases = _postgres_database()
    try:
        yield next(databases)
    finally:
        databases.close()


@asynccontextmanager
async def open_sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    try:
        yield sessionmaker(engine)
    finally:
        await engine.dispose()


async def record_conversation(
    sessions: async_sessionmaker[AsyncSession],
    identity: Identity,
    started_at: datetime,
    *texts: str,
    deleted: bool = False,
) -> None:
    async with sessions() as session:
        conversation = Conversation(
            channel=identity.channel,
            account_id=PAGE_ID,
            customer_id=identity.external_id,
            created_at=started_at,
        )
        session.add(conversation)
        await session.flush()
        for text in texts:
            session.add(
                Message(
                    conversation_id=conversation.id,
                    channel=identity.channel,
                    account_id=PAGE_ID,
                    direction=Direction.INBOUND,
                    status=MessageStatus.DELETED if deleted else MessageStatus.ANSWERED,
                    text=text,
                )
            )
        await session.commit()


@pytest.fixture(params=[*(f"sql-{kind}" for kind in _database_kinds()), "http", "app"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "app":
        async for app_backend in _app_backend(request, tmp_path):
            yield app_backend
        return
    if request.param == "http":
        transport = httpx.ASGITransport(app=create_fake_crm(TOKEN, DEMO))
        async with httpx.AsyncClient(transport=transport, base_url=CRM_URL) as client:

            async def add_remote(identity: Identity, started_at: datetime, text: str) -> None:
                body = {
                    "channel": identity.channel,
                    "external_id": identity.external_id,
                    "started_at": started_at.isoformat(),
                    "summary": text,
                }
                assert (await client.post("/_fake/conversations", json=body)).status_code == 201

            yield Backend(HttpCrm(client, base_url=CRM_URL, token=TOKEN), add_remote)
        return
    with migrated_database(request.param.removeprefix("sql-"), tmp_path) as url:
        async with open_sessions(url) as sessions:
            await seed_demo(sessions, DEMO)

            async def add_local(identity: Identity, started_at: datetime, text: str) -> None:
                await record_conversation(sessions, identity, started_at, text)

            yield Backend(SqlCrm(sessions), add_local)


async def _app_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """The app serving the contract from its SQL CRM, as the action server reaches it."""
    redis_port = request.getfixturevalue("redis_port")
    with migrated_database("sqlite", tmp_path) as url:
        async with open_sessions(url) as sessions:
            await seed_demo(sessions, DEMO)
            settings = make_settings(
                database_url=url,
                redis_url=f"redis://127.0.0.1:{redis_port}/0",
                crm_api_token=TOKEN,
            )
            async with app_client(create_app(settings)) as client:

                async def add_local(identity: Identity, started_at: datetime, text: str) -> None:
                    await record_conversation(sessions, identity, started_at, text)

                yield Backend(HttpCrm(client, base_url="http://app/crm/v1", token=TOKEN), add_local)


# --- the contract --------------------------------------------------------------------------


async def test_finds_a_customer_by_any_of_their_identities(backend: Backend) -> None:
    crm = backend.crm
    misaki = await crm.find_by_identity("messenger", "7100000000000001")
    assert misaki is not None and misaki.id == "C0001" and misaki.name == "佐藤 美咲"
    assert misaki.tier is Tier.VIP and misaki.language == "ja"
    assert await crm.find_by_identity("instagram", "17841470000000001") == misaki
    emily = await crm.find_by_identity("x", "1600000000000000002")
    assert emily is not None and emily.id == "C0002" and emily.tier is Tier.GOLD


@pytest.mark.parametrize(
    ("channel", "external_id"),
    [
        ("messenger", "7100000000009999"),  # nobody's
        ("instagram", "7100000000000001"),  # Misaki's PSID, but on another channel
        ("fax", "7100000000000001"),
        ("messenger", "not-a-psid"),
    ],
)
async def test_an_unknown_identity_is_nobody(
    backend: Backend, channel: str, external_id: str
) -> None:
    assert await backend.crm.find_by_identity(channel, external_id) is None


@pytest.mark.parametrize(
    "email",
    ["olivia.brown@example.com", "  Olivia.BROWN@Example.com ", "ＯＬＩＶＩＡ.brown@example.com"],
)
async def test_finds_a_customer_by_email_whatever_its_case(backend: Backend, email: str) -> None:
    olivia = await backend.crm.find_by_email(email)
    assert olivia is not None and olivia.id == "C0004"
    assert olivia.email == "olivia.brown@example.com"


async def test_an_unknown_email_is_nobody(backend: Backend) -> None:
    assert await backend.crm.find_by_email("nobody@example.com") is None
    assert await backend.crm.find_by_email("example.com") is None


@pytest.mark.parametrize("typed", ["TB-240118", " #tb-240118 ", "＃ＴＢ－２４０１１８"])
async def test_finds_an_order_however_its_number_was_typed(backend: Backend, typed: str) -> None:
    order = await backend.crm.find_order(typed)
    assert order is not None
    assert order.number == "TB-240118" and order.customer_id == "C0001"
    assert order.status is OrderStatus.DELIVERED
    assert order.placed_at == datetime(2026, 10, 2, 11, 20, tzinfo=UTC) - timedelta(hours=9)
    assert order.total_jpy == 13200
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("MZ-TON-150", 2),
        ("MZ-SER-030", 1),
    ]
    assert order.carrier is Carrier.YAMATO and order.tracking_number == "4921-3345-8812"
    assert order.postcode == "150-0001" and order.email == "misaki.sato@example.com"
    assert order.cancellation_requested_at is None


@pytest.mark.parametrize("typed", ["TB-999999", "TB/240118", "TB-240118?x=1", "", "#"])
async def test_an_unknown_order_is_none(backend: Backend, typed: str) -> None:
    assert await backend.crm.find_order(typed) is None


async def test_an_unshipped_order_has_no_carrier(backend: Backend) -> None:
    order = await backend.crm.find_order("TB-240411")
    assert order is not None and order.status is OrderStatus.PENDING
    assert order.carrier is None and order.tracking_number is None


async def test_a_profile_has_everything_newest_first(backend: Backend) -> None:
    profile = await backend.crm.profile("C0001")
    assert profile.customer.email == "misaki.sato@example.com"
    assert profile.identities == (
        Identity("messenger", "7100000000000001"),
        Identity("instagram", "17841470000000001"),
    )
    assert [order.number for order in profile.orders] == ["TB-240392", "TB-240118"]
    assert [note.created_at.month for note in profile.notes] == [10, 6]
    assert profile.notes[0].author == "Kana (support)"
    assert profile.past_conversations == ()


async def test_a_profile_of_nobody_is_an_error(backend: Backend) -> None:
    with pytest.raises(CustomerNotFound):
        await backend.crm.profile("C9999")


async def test_past_conversations_come_from_every_linked_identity(backend: Backend) -> None:
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    await backend.add_conversation(Identity("messenger", "7100000000000001"), start, "注文について")
    later = start + timedelta(days=3)
    await backend.add_conversation(Identity("instagram", "17841470000000001"), later, "Hi there")
    await backend.add_conversation(Identity("messenger", "7100000000000002"), later, "Emily's")
    past = (await backend.crm.profile("C0001")).past_conversations
    assert [(c.channel, c.started_at, c.summary) for c in past] == [
        ("instagram", later, "Hi there"),
        ("messenger", start, "注文について"),
    ]


async def test_linking_an_identity_finds_the_customer_by_it(backend: Backend) -> None:
    psid = Identity("messenger", "7100000000000006")
    assert await backend.crm.find_by_identity(psid.channel, psid.external_id) is None
    await backend.crm.link_identity("C0006", psid)
    james = await backend.crm.find_by_identity(psid.channel, psid.external_id)
    assert james is not None and james.id == "C0006"
    assert (await backend.crm.profile("C0006")).identities == (psid,)


async def test_linking_twice_is_harmless(backend: Backend) -> None:
    igsid = Identity("instagram", "17841470000000003")  # already Ken's
    await backend.crm.link_identity("C0003", igsid)
    await backend.crm.link_identity("C0003", igsid)
    assert (await backend.crm.profile("C0003")).identities == (igsid,)


async def test_an_identity_is_never_moved_to_another_customer(backend: Backend) -> None:
    misakis = Identity("messenger", "7100000000000001")
    with pytest.raises(IdentityConflict) as raised:
        await backend.crm.link_identity("C0006", misakis)
    assert raised.value.linked_to == "C0001"
    owner = await backend.crm.find_by_identity(misakis.channel, misakis.external_id)
    assert owner is not None and owner.id == "C0001"
    assert (await backend.crm.profile("C0006")).identities == ()


async def test_linking_to_nobody_is_an_error(backend: Backend) -> None:
    with pytest.raises(CustomerNotFound):
        await backend.crm.link_identity("C9999", Identity("x", "1600000000000009999"))
    assert await backend.crm.find_by_identity("x", "1600000000000009999") is None


async def test_a_note_is_kept_and_shown_first(backend: Backend) -> None:
    before = datetime.now(UTC)
    note = await backend.crm.add_note("C0002", author="Kana (support)", text="VIP candidate")
    assert (note.author, note.text) == ("Kana (support)", "VIP candidate")
    assert before - timedelta(seconds=5) <= note.created_at <= datetime.now(UTC)
    second = await backend.crm.add_note("C0002", author="bot", text="右の肌が赤い、と連絡あり")
    notes = (await backend.crm.profile("C0002")).notes
    assert notes[:2] == (second, note)
    assert len(notes) == 3


async def test_a_note_on_nobody_is_an_error(backend: Backend) -> None:
    with pytest.raises(CustomerNotFound):
        await backend.crm.add_note("C9999", author="bot", text="hello")


@pytest.mark.parametrize(
    ("number", "outcome", "status", "noted"),
    [
        ("TB-240411", CancellationOutcome.CANCELLED, OrderStatus.CANCELLED, True),  # pending
        ("TB-240405", CancellationOutcome.CANCELLED, OrderStatus.CANCELLED, True),  # paid
        ("TB-240377", CancellationOutcome.REQUESTED, OrderStatus.PACKED, True),
        ("TB-240392", CancellationOutcome.RETURN_INSTEAD, OrderStatus.SHIPPED, False),
        ("TB-240350", CancellationOutcome.RETURN_INSTEAD, OrderStatus.DELIVERED, False),
        ("TB-240290", CancellationOutcome.ALREADY_CANCELLED, OrderStatus.CANCELLED, False),
        ("TB-239950", CancellationOutcome.ALREADY_RETURNED, OrderStatus.RETURNED, False),
    ],
)
async def test_cancellation_by_status(
    backend: Backend,
    number: str,
    outcome: CancellationOutcome,
    status: OrderStatus,
    noted: bool,
) -> None:
    before = await backend.crm.find_order(number)
    assert before is not None
    notes_before = len((await backend.crm.profile(before.customer_id)).notes)
    result = await backend.crm.request_cancellation(f" #{number.lower()}", reason="ordered twice")
    assert (result.order_number, result.outcome, result.status) == (number, outcome, status)
    after = await backend.crm.find_order(number)
    assert after is not None and after.status is status
    notes = (await backend.crm.profile(before.customer_id)).notes
    assert len(notes) == notes_before + noted
    if noted:
        assert notes[0].author == "bot" and number in notes[0].text
        assert "ordered twice" in notes[0].text


async def test_asking_again_to_cancel_a_packed_order_leaves_one_note(backend: Backend) -> None:
    first = await backend.crm.request_cancellation("TB-240440", reason="wrong size")
    again = await backend.crm.request_cancellation("TB-240440", reason="please!")
    assert first == again and first.outcome is CancellationOutcome.REQUESTED
    order = await backend.crm.find_order("TB-240440")
    assert order is not None and order.cancellation_requested_at is not None
    notes = (await backend.crm.profile("C0007")).notes
    assert [n.author for n in notes].count("bot") == 1 and "wrong size" in notes[0].text


async def test_cancelling_a_cancelled_order_changes_nothing(backend: Backend) -> None:
    await backend.crm.request_cancellation("TB-240447", reason="changed my mind")
    again = await backend.crm.request_cancellation("TB-240447", reason="changed my mind")
    assert again.outcome is CancellationOutcome.ALREADY_CANCELLED
    assert [n.author for n in (await backend.crm.profile("C0008")).notes] == ["bot"]


async def test_cancelling_an_unknown_order_is_an_error(backend: Backend) -> None:
    with pytest.raises(OrderNotFound):
        await backend.crm.request_cancellation("TB-000000", reason="?")


# --- SqlCrm only ---------------------------------------------------------------------------


async def test_seeding_twice_changes_nothing(database_url: str) -> None:
    profiles = DEMO.profiles
    expected = [
        len(profiles),
        sum(len(p.identities) for p in profiles),
        sum(len(p.orders) for p in profiles),
        sum(len(p.notes) for p in profiles) + 1,  # + the cancellation's note
    ]
    async with open_sessions(database_url) as sessions:
        assert await seed_demo(sessions, DEMO) == sum(expected) - 1
        await SqlCrm(sessions).request_cancellation("TB-240405", reason="demo")
        assert await seed_demo(sessions, DEMO) == 0
        async with sessions() as session:
            counts = [
                await session.scalar(select(func.count()).select_from(table))
                for table in (CrmCustomer, CrmIdentity, CrmOrder, CrmNote)
            ]
            status = await session.scalar(
                select(CrmOrder.status).where(CrmOrder.number == "TB-240405")
            )
    assert counts == expected
    assert status == OrderStatus.CANCELLED  # the demo's state is not reset


async def test_a_conversation_is_summed_up_by_its_first_customer_message(
    database_url: str,
) -> None:
    async with open_sessions(database_url) as sessions:
        await seed_demo(sessions, DEMO)
        psid = Identity("messenger", "7100000000000008")
        start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
        long = "Hello!\n\nI ordered the lip balm   but " + "it has not arrived yet " * 5
        await record_conversation(sessions, psid, start, long, "second message")
        earlier = start - timedelta(days=1)
        await record_conversation(
            sessions, Identity("x", "1600000000000000008"), earlier, "unsent", deleted=True
        )
        await SqlCrm(sessions).link_identity("C0008", Identity("x", "1600000000000000008"))
        past = (await SqlCrm(sessions).profile("C0008")).past_conversations
        summaries = [c.summary for c in past]
        assert summaries[1] == "(no text)"  # the customer unsent it: never shown
        assert summaries[0].startswith("Hello! I ordered the lip balm but it has not")
        assert len(summaries[0]) <= 80 and summaries[0].endswith("…")


# --- the demo data -------------------------------------------------------------------------


def test_the_demo_has_every_tier_carrier_and_status() -> None:
    profiles = DEMO.profiles
    assert len(profiles) == 8
    assert {p.customer.tier for p in profiles} == set(Tier)
    assert {p.customer.language for p in profiles} == {"ja", "en"}
    orders = [order for p in profiles for order in p.orders]
    assert all(1 <= len(p.orders) <= 3 for p in profiles)
    assert {order.status for order in orders} == set(OrderStatus)
    assert {order.carrier for order in orders if order.carrier} == set(Carrier)
    assert all(order.tracking_number for order in orders if order.carrier), (
        "a carrier always comes with a tracking number"
    )
    identities = [identity for p in profiles for identity in p.identities]
    assert len(identities) == len(set(identities))
    assert {identity.channel for identity in identities} == {"messenger", "instagram", "x"}


def test_a_malformed_demo_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "customers.yml"
    path.write_text("customers:\n  - id: C1\n    name: no e-mail\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="email"):
        load_demo(path)
    with pytest.raises(ConfigError):
        load_demo(tmp_path / "missing.yml")


# --- HttpCrm's failures --------------------------------------------------------------------


@asynccontextmanager
async def crm_answering(
    handler: Callable[[httpx.Request], httpx.Response],
) -> AsyncIterator[HttpCrm]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        yield HttpCrm(client, base_url=CRM_URL, token=TOKEN)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_crm_in_trouble_is_unavailable_and_retried(status: int) -> None:
    unavailable = httpx.Response(status, text="Service Unavailable")
    async with crm_answering(lambda request: unavailable) as crm:
        with pytest.raises(CrmUnavailable, match=str(status)) as raised:
            await crm.find_order("TB-240118")
    assert isinstance(raised.value, TransientError)


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timed out"), httpx.ConnectError("connection refused")],
)
async def test_a_timeout_or_connection_error_is_unavailable(failure: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    async with crm_answering(handler) as crm:
        with pytest.raises(CrmUnavailable):
            await crm.profile("C0001")


async def test_an_answer_off_the_contract_is_unavailable() -> None:
    html = httpx.Response(200, text="<html>proxy error</html>")
    async with crm_answering(lambda request: html) as crm:
        with pytest.raises(CrmUnavailable, match="not JSON"):
            await crm.find_by_email("a@example.com")
    partial = httpx.Response(200, json={"id": "C1"})
    async with crm_answering(lambda request: partial) as crm:
        with pytest.raises(CrmUnavailable, match="contract"):
            await crm.find_by_email("a@example.com")


async def test_the_token_is_sent_as_a_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"detail": "no customer"})

    async with crm_answering(handler) as crm:
        assert await crm.find_by_identity("x", "1600000000000000002") is None
    [request] = seen
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url.params["identity"] == "x:1600000000000000002"


async def test_a_wrong_token_is_a_clear_permanent_error() -> None:
    transport = httpx.ASGITransport(app=create_fake_crm(TOKEN, DEMO))
    async with httpx.AsyncClient(transport=transport, base_url=CRM_URL) as client:
        crm = HttpCrm(client, base_url=CRM_URL, token="stale")
        with pytest.raises(CrmRejected, match="token") as raised:
            await crm.find_order("TB-240118")
        assert raised.value.status_code == 401
        assert not isinstance(raised.value, TransientError)
        # the fake itself: no token, or a wrong one, is a 401
        assert (await client.get("/orders/TB-240118")).status_code == 401
        wrong = await client.get("/orders/TB-240118", headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
