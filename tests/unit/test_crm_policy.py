"""What the bot may say about an order, what cancelling does, and how customer input is read."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.crm.policy import (
    Disclosure,
    DisclosureDecision,
    VerifiedBy,
    cancellation_note,
    decide_cancellation,
    normalise_email,
    normalise_order_number,
    normalise_postcode,
    order_disclosure,
)
from agent.crm.types import (
    CancellationOutcome,
    Carrier,
    Customer,
    Identity,
    Order,
    OrderLine,
    OrderStatus,
    Tier,
)

OWNER = Customer(
    id="C0001",
    name="佐藤 美咲",
    email="misaki.sato@example.com",
    tier=Tier.VIP,
    postcode="150-0001",
    language="ja",
)
STRANGER = replace(OWNER, id="C0002", name="Emily Carter", email="emily@example.org")
ORDER = Order(
    number="TB-240118",
    customer_id=OWNER.id,
    status=OrderStatus.SHIPPED,
    placed_at=datetime(2026, 11, 2, 2, 20, tzinfo=UTC),
    total_jpy=13200,
    lines=(OrderLine(sku="MZ-TON-150", name="Mizu Hydrating Toner 150ml", quantity=2),),
    carrier=Carrier.YAMATO,
    tracking_number="4921-3345-8812",
    postcode="150-0001",
    email="misaki.sato@example.com",
)
ASK = Disclosure(DisclosureDecision.ASK_TO_VERIFY)
REJECTED = Disclosure(DisclosureDecision.ASK_TO_VERIFY, proof_rejected=True)


def full_width(text: str) -> str:
    """What a Japanese IME types for ASCII: U+FF01…FF5E, and the ideographic space."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "TB-240118",
        "tb-240118",
        "  TB-240118\n",
        "#TB-240118",
        "# tb-240118",
        "＃ＴＢ－２４０１１８",
        "ｔｂ－２４０１１８",
        "\u3000＃Tb-２４０118\u3000",
    ],
)
def test_an_order_number_is_read_however_it_was_typed(typed: str) -> None:
    assert normalise_order_number(typed) == "TB-240118"


def test_only_a_leading_hash_is_dropped() -> None:
    assert normalise_order_number("TB-24#0118") == "TB-24#0118"
    assert normalise_order_number("TB-240118#") == "TB-240118#"


_ORDER_CHARS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


@given(number=_ORDER_CHARS, hash_=st.booleans(), pad=st.sampled_from(["", " ", "\u3000", "\t"]))
def test_order_numbers_ignore_width_case_padding_and_hash(
    number: str, hash_: bool, pad: str
) -> None:
    typed = pad + ("#" if hash_ else "") + number + pad
    canonical = normalise_order_number(number)
    assert canonical == number.upper()
    assert normalise_order_number(typed) == canonical
    assert normalise_order_number(full_width(typed)) == canonical
    assert normalise_order_number(canonical) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "150-0001",
        "1500001",
        "１５０－０００１",
        "１５０００１",
        "１５００００１",
        "１５０ー０００１",  # the IME's long-vowel mark for a dash
        "150‐0001",
        "150−0001",
        "150 0001",
        "150\u30000001",
        "〒150-0001",
        "〒 １５０－０００１ ",
    ],
)
def test_a_postcode_is_read_however_it_was_typed(typed: str) -> None:
    expected = "150001" if typed == "１５０００１" else "1500001"  # one digit short stays short
    assert normalise_postcode(typed) == expected


_DASHES = st.sampled_from(["", "-", "－", "ー", "‐", "−", "–", " ", "\u3000"])


@given(digits=st.from_regex(r"[0-9]{7}", fullmatch=True), dash=_DASHES, mark=st.booleans())
def test_every_way_of_writing_a_postcode_is_the_same_postcode(
    digits: str, dash: str, mark: bool
) -> None:
    written = ("〒" if mark else "") + digits[:3] + dash + digits[3:]
    assert normalise_postcode(written) == digits
    assert normalise_postcode(full_width(written)) == digits


@given(text=st.text())
def test_postcode_normalisation_is_idempotent(text: str) -> None:
    once = normalise_postcode(text)
    assert normalise_postcode(once) == once


@pytest.mark.parametrize(
    "typed",
    [
        "misaki.sato@example.com",
        "  Misaki.Sato@EXAMPLE.com ",
        "ｍｉｓａｋｉ．ｓａｔｏ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    ],
)
def test_an_email_is_read_without_case_width_or_padding(typed: str) -> None:
    assert normalise_email(typed) == "misaki.sato@example.com"


# --- disclosure ----------------------------------------------------------------------------


def test_the_customer_linked_to_the_identity_gets_their_order() -> None:
    decision = order_disclosure(ORDER, requester=OWNER, proof=None)
    assert decision == Disclosure(DisclosureDecision.DISCLOSE, ORDER, VerifiedBy.LINKED_IDENTITY)


def test_a_linked_owner_is_not_asked_for_proof_even_when_giving_a_wrong_one() -> None:
    decision = order_disclosure(ORDER, requester=OWNER, proof="someone@else.com")
    assert decision.verified_by is VerifiedBy.LINKED_IDENTITY


@pytest.mark.parametrize("requester", [None, STRANGER])
@pytest.mark.parametrize("proof", [None, "", "   ", "\u3000"])
def test_without_link_or_proof_the_bot_asks_to_verify(
    requester: Customer | None, proof: str | None
) -> None:
    assert order_disclosure(ORDER, requester=requester, proof=proof) == ASK


@pytest.mark.parametrize("requester", [None, STRANGER])
@pytest.mark.parametrize(
    ("proof", "basis"),
    [
        ("misaki.sato@example.com", VerifiedBy.EMAIL),
        (" MISAKI.SATO@example.COM ", VerifiedBy.EMAIL),
        ("ｍｉｓａｋｉ．ｓａｔｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", VerifiedBy.EMAIL),
        ("150-0001", VerifiedBy.POSTCODE),
        ("１５００００１", VerifiedBy.POSTCODE),
        ("〒150ー0001", VerifiedBy.POSTCODE),
    ],
)
def test_the_order_email_or_postcode_proves_it(
    requester: Customer | None, proof: str, basis: VerifiedBy
) -> None:
    decision = order_disclosure(ORDER, requester=requester, proof=proof)
    assert decision == Disclosure(DisclosureDecision.DISCLOSE, ORDER, basis)


@pytest.mark.parametrize(
    "proof",
    [
        "emily@example.org",  # the requester's own e-mail, not the order's
        "misaki.sato@example.co",
        "misaki.sato@example.com.evil.test",
        "@example.com",
        "150-0002",
        "150-000",
        "15000011",
        "TB-240118",  # the order number proves nothing: it is what is asked about
        "佐藤 美咲",
        "-",
        "〒",
    ],
)
def test_a_wrong_proof_is_rejected_without_any_order_data(proof: str) -> None:
    assert order_disclosure(ORDER, requester=STRANGER, proof=proof) == REJECTED


def test_the_delivery_postcode_counts_not_the_customers_home_postcode() -> None:
    gift = replace(ORDER, postcode="980-0021")
    assert order_disclosure(gift, requester=None, proof="150-0001") == REJECTED
    assert order_disclosure(gift, requester=None, proof="980-0021").order == gift


def test_an_order_without_a_postcode_is_not_proven_by_an_empty_one() -> None:
    odd = replace(ORDER, postcode="")
    assert order_disclosure(odd, requester=None, proof="〒 -") == REJECTED


def test_a_missing_order_is_answered_exactly_like_a_wrong_proof() -> None:
    """Nobody learns which order numbers exist by guessing."""
    assert order_disclosure(None, requester=None, proof="150-0001") == REJECTED
    assert order_disclosure(None, requester=OWNER, proof="misaki.sato@example.com") == REJECTED
    assert order_disclosure(None, requester=OWNER, proof=None) == ASK
    assert order_disclosure(None, requester=None, proof=None) == ASK


_CUSTOMERS = st.builds(
    Customer,
    id=st.text(min_size=1, max_size=8).filter(lambda value: value != OWNER.id),
    name=st.text(max_size=10),
    email=st.emails(),
    tier=st.sampled_from(Tier),
    postcode=st.text(max_size=10),
    language=st.sampled_from(["ja", "en"]),
)


@given(requester=st.none() | _CUSTOMERS, proof=st.none() | st.text(max_size=40))
def test_nobody_else_gets_order_data_without_the_proof(
    requester: Customer | None, proof: str | None
) -> None:
    decision = order_disclosure(ORDER, requester=requester, proof=proof)
    proven = proof is not None and (
        normalise_email(proof) == ORDER.email or normalise_postcode(proof) == "1500001"
    )
    if proven:
        assert decision.order == ORDER
    else:
        assert decision.decision is DisclosureDecision.ASK_TO_VERIFY
        assert decision.order is None and decision.verified_by is None


@given(
    order=st.none() | st.just(ORDER),
    requester=st.none() | st.just(OWNER) | _CUSTOMERS,
    proof=st.none() | st.text(max_size=40) | st.sampled_from(["150-0001", ORDER.email]),
)
def test_an_order_is_carried_exactly_when_disclosed(
    order: Order | None, requester: Customer | None, proof: str | None
) -> None:
    decision = order_disclosure(order, requester=requester, proof=proof)
    disclosed = decision.decision is DisclosureDecision.DISCLOSE
    assert disclosed == (decision.order is not None) == (decision.verified_by is not None)
    assert not (disclosed and decision.proof_rejected)


def test_a_refusal_cannot_be_built_carrying_an_order() -> None:
    with pytest.raises(ValueError, match="refusal"):
        Disclosure(DisclosureDecision.ASK_TO_VERIFY, ORDER)
    with pytest.raises(ValueError, match="refusal"):
        Disclosure(DisclosureDecision.DISCLOSE)
    with pytest.raises(ValueError, match="rejected"):
        Disclosure(DisclosureDecision.DISCLOSE, ORDER, VerifiedBy.EMAIL, proof_rejected=True)


# --- cancellation --------------------------------------------------------------------------

CANCELLATION = {
    OrderStatus.PENDING: (CancellationOutcome.CANCELLED, OrderStatus.CANCELLED),
    OrderStatus.PAID: (CancellationOutcome.CANCELLED, OrderStatus.CANCELLED),
    OrderStatus.PACKED: (CancellationOutcome.REQUESTED, OrderStatus.PACKED),
    OrderStatus.SHIPPED: (CancellationOutcome.RETURN_INSTEAD, OrderStatus.SHIPPED),
    OrderStatus.DELIVERED: (CancellationOutcome.RETURN_INSTEAD, OrderStatus.DELIVERED),
    OrderStatus.CANCELLED: (CancellationOutcome.ALREADY_CANCELLED, OrderStatus.CANCELLED),
    OrderStatus.RETURNED: (CancellationOutcome.ALREADY_RETURNED, OrderStatus.RETURNED),
}


def test_every_status_has_a_cancellation_rule() -> None:
    assert set(CANCELLATION) == set(OrderStatus)


@pytest.mark.parametrize(("status", "expected"), CANCELLATION.items())
def test_cancellation_by_status(
    status: OrderStatus, expected: tuple[CancellationOutcome, OrderStatus]
) -> None:
    result = decide_cancellation(replace(ORDER, status=status))
    assert (result.outcome, result.status) == expected
    assert result.order_number == ORDER.number


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.PAID])
def test_a_cancelled_order_leaves_a_note_with_the_reason(status: OrderStatus) -> None:
    order = replace(ORDER, status=status)
    note = cancellation_note(order, decide_cancellation(order), "ordered twice")
    assert note is not None and "TB-240118 cancelled" in note and "ordered twice" in note


def test_a_packed_order_leaves_a_note_for_a_person_once() -> None:
    packed = replace(ORDER, status=OrderStatus.PACKED)
    note = cancellation_note(packed, decide_cancellation(packed), "wrong shade")
    assert note is not None and "confirm with the warehouse" in note and "wrong shade" in note
    asked = replace(packed, cancellation_requested_at=datetime(2026, 11, 20, tzinfo=UTC))
    assert cancellation_note(asked, decide_cancellation(asked), "still want to cancel") is None


@pytest.mark.parametrize(
    "status",
    [OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED],
)
def test_nothing_changes_so_no_note(status: OrderStatus) -> None:
    order = replace(ORDER, status=status)
    assert cancellation_note(order, decide_cancellation(order), "please") is None


# --- identities ----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["messenger", "instagram", "x"])
@given(external_id=st.from_regex(r"[0-9]{1,20}", fullmatch=True))
def test_an_identity_reads_back_from_its_text(channel: str, external_id: str) -> None:
    identity = Identity(channel=channel, external_id=external_id)
    assert Identity.parse(str(identity)) == identity


@pytest.mark.parametrize(
    "text",
    ["messenger123", "fax:123", "messenger:", "messenger:12a", "x:１２３", "x: 123", ":123"],
)
def test_a_malformed_identity_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Identity.parse(text)


def test_full_width_helper_matches_nfkc() -> None:
    sample = "TB-240118 #@."
    assert unicodedata.normalize("NFKC", full_width(sample)) == sample
