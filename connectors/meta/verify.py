"""Webhook authenticity for Meta (Messenger and Instagram share it)."""

from __future__ import annotations

import hashlib
import hmac


def sign_sha256(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Check `X-Hub-Signature-256` on the raw bytes, in constant time.

    Only sha256 is accepted: the legacy sha1 header is weaker and Meta always sends sha256 now.
    """
    if not secret:
        # An unset secret must never mean "accept everything".
        return False
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign_sha256(secret, body).encode(), header.strip().encode())


def subscription_challenge(
    *, mode: str | None, token: str | None, challenge: str | None, verify_token: str
) -> str | None:
    """The body to answer Meta's GET handshake with, or None when it must be refused (403)."""
    if mode != "subscribe" or token is None or challenge is None or not verify_token:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge
