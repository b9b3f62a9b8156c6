"""Webhook authenticity, with the test vector from reference/platforms.md."""

from connectors.meta.verify import sign_sha256, signature_is_valid, subscription_challenge

VECTOR_SECRET = "test_app_secret"
VECTOR_BODY = (
    b'{"object":"page","entry":[{"id":"111","time":1,"messaging":[{"sender":{"id":"222"},'
    b'"recipient":{"id":"111"},"timestamp":1,"message":{"mid":"m_1","text":"h\\u00e9llo"}}]}]}'
)
VECTOR_SHA256 = "sha256=2c48a2fd37f10059c1863e2a071988b3ae23716dd6ed12295e0f9c78f0a42aae"
VECTOR_SHA1 = "sha1=d5b3fa6897856154deb66fe42972d8c031e869ff"


def test_signature_matches_the_published_vector() -> None:
    assert sign_sha256(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SHA256
    assert signature_is_valid(VECTOR_SECRET, VECTOR_BODY, VECTOR_SHA256)


def test_signature_is_over_the_raw_escaped_bytes_not_reserialised_json() -> None:
    unescaped = VECTOR_BODY.replace(b"h\\u00e9llo", "héllo".encode())
    assert not signature_is_valid(VECTOR_SECRET, unescaped, VECTOR_SHA256)


def test_forged_missing_and_legacy_signatures_are_refused() -> None:
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY, None)
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY, "")
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY, VECTOR_SHA1)
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY, VECTOR_SHA256[:-1] + "0")
    assert not signature_is_valid("other_secret", VECTOR_BODY, VECTOR_SHA256)
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY + b" ", VECTOR_SHA256)
    assert not signature_is_valid(VECTOR_SECRET, VECTOR_BODY, VECTOR_SHA256.upper())


def test_an_unset_secret_never_accepts() -> None:
    assert not signature_is_valid("", VECTOR_BODY, sign_sha256("", VECTOR_BODY))


def test_subscription_handshake() -> None:
    ok = subscription_challenge(
        mode="subscribe", token="tok", challenge="1158201444", verify_token="tok"
    )
    assert ok == "1158201444"
    assert (
        subscription_challenge(mode="unsubscribe", token="tok", challenge="1", verify_token="tok")
        is None
    )
    assert (
        subscription_challenge(mode="subscribe", token="bad", challenge="1", verify_token="tok")
        is None
    )
    assert (
        subscription_challenge(mode="subscribe", token=None, challenge="1", verify_token="tok")
        is None
    )
    assert (
        subscription_challenge(mode="subscribe", token="tok", challenge=None, verify_token="tok")
        is None
    )
    assert (
        subscription_challenge(mode="subscribe", token="", challenge="1", verify_token="") is None
    )
