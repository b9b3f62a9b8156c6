"""Every Redis key the agent uses, in one place."""

from __future__ import annotations

INBOUND_STREAM = "agent:inbound"
INBOUND_GROUP = "workers"


def dedup_key(channel: str, account_id: str, platform_message_id: str) -> str:
    return f"agent:dedup:{channel}:{account_id}:{platform_message_id}"


def conversation_lock_key(conversation_id: int) -> str:
    return f"agent:lock:conversation:{conversation_id}"


# Human handoff (agent/handoff/queue.py): the working index; SQL keeps the durable record.
def waiting_key(team: str) -> str:
    """Sorted set of a team's waiting escalation ids, by queue rank."""
    return f"agent:handoff:waiting:{team}"


def escalation_key(escalation_id: int) -> str:
    """Hash of what the queue shows about one escalation."""
    return f"agent:handoff:escalation:{escalation_id}"


def owned_key(staff_id: int) -> str:
    """Set of the escalation ids a person owns."""
    return f"agent:handoff:owned:{staff_id}"


CONSOLE_EVENTS = "agent:console:events"  # pub/sub channel of what the console shows live


def console_session_key(token_hash: str) -> str:
    return f"agent:console:session:{token_hash}"


def console_seen_key(staff_id: int) -> str:
    """Present while the person has the console open (refreshed by its live connection)."""
    return f"agent:console:seen:{staff_id}"


# Insight (agent/insight/jobs.py): one app process at a time recomputes the rollups.
INSIGHT_JOB_LOCK = "agent:insight:job-lock"

# Bumped whenever published FAQ content or the brand voice changes: every process reloads
# them on its next reply (agent/faq/published.py).
FAQ_GENERATION = "agent:faq:generation"
# Held while a retraining job runs: one at a time across every app process.
FAQ_TRAINING_LOCK = "agent:faq:training-lock"
