"""X webhook authenticity: the CRC challenge and the body signature. Both are base64
HMAC-SHA256 with the app's consumer secret (not hex, unlike Meta)."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def _b64_hmac(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The JSON body answering X's `GET ?crc_token=` check."""
    return {"response_token": _b64_hmac(consumer_secret, crc_token.encode())}


def sign(consumer_secret: str, body: bytes) -> str:
    return _b64_hmac(consumer_secret, body)


def signature_is_valid(consumer_secret: str, body: bytes, header: str | None) -> bool:
    """Check `x-twitter-webhooks-signature` on the raw bytes, in constant time."""
    if not consumer_secret or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(consumer_secret, body).encode(), header.strip().encode())
