"""Every Redis key the agent uses, in one place."""

from __future__ import annotations

INBOUND_STREAM = "agent:inbound"
INBOUND_GROUP = "workers"


def dedup_key(channel: str, account_id: str, platform_message_id: str) -> str:
    return f"agent:dedup:{channel}:{account_id}:{platform_message_id}"


def conversation_lock_key(conversation_id: int) -> str:
    return f"agent:lock:conversation:{conversation_id}"
