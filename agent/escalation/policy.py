"""The escalation policy: pure logic over one message's signals and the conversation's past turns.

Every decision carries its reasons, in plain words for the support staff who pick it up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from agent.signals.types import SentimentLabel, Signals, TurnRecord, UrgencyLevel


class Reason(StrEnum):
    ASKED_FOR_PERSON = "asked_for_person"
    CRITICAL = "critical_urgency"
    HIGH_NEGATIVE = "high_urgency_negative"
    HIGH_ALWAYS = "high_urgency_configured"  # a kind named in PolicyConfig.high_always
    FALLBACKS = "repeated_fallback"
    SENTIMENT_DROP = "sentiment_dropped"


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    handoff_intents: frozenset[str] = frozenset({"human_handoff"})
    fallbacks_in_a_row: int = 2
    # A fall of this much in sentiment score between the best of the last `sentiment_window`
    # turns and this one, ending negative, is "turning sharply negative".
    sentiment_drop: float = 1.0
    sentiment_window: int = 3
    escalate_high_negative: bool = True
    # Urgency reason keys whose high urgency goes to a person whatever the sentiment reads. The
    # sentiment head reads some curt messages as neutral ("これで4通目。無視しないで", "i have 20k
    # followers and theyre gonna hear about this"); a brand may send every unanswered contact
    # or threat to go public to a person. None by default: on the escalation development set
    # {repeated_contact, public_threat} changed nothing (README, "Escalation policy").
    high_always: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Decision:
    escalate: bool
    reasons: tuple[str, ...] = ()
    reason_keys: tuple[Reason, ...] = ()
    critical: bool = False  # answer with the brand's safe holding reply, never a bot answer
    details: dict[str, str] = field(default_factory=dict)


def decide(
    signals: Signals,
    *,
    fallback: bool,
    history: Sequence[TurnRecord] = (),
    config: PolicyConfig = PolicyConfig(),
) -> Decision:
    """`fallback`: the bot could not answer this message (NLU fallback or an unsure FAQ).
    `history`: the conversation's earlier customer turns, oldest first."""
    keys: list[Reason] = []
    reasons: list[str] = []
    intent = signals.intent.name if signals.intent else ""
    urgency = signals.urgency
    if intent in config.handoff_intents or signals.asked_for_person:
        keys.append(Reason.ASKED_FOR_PERSON)
        words = f" (“{signals.asked_for_person}”)" if signals.asked_for_person else ""
        reasons.append(f"the customer asked for a person{words}")
    if urgency.level is UrgencyLevel.CRITICAL:
        keys.append(Reason.CRITICAL)
        why = "; ".join(urgency.reasons) or "critical urgency"
        reasons.append(f"critical: {why}")
    elif urgency.level is UrgencyLevel.HIGH:
        why = "; ".join(urgency.reasons) or "high urgency"
        if config.escalate_high_negative and signals.sentiment.label is SentimentLabel.NEGATIVE:
            keys.append(Reason.HIGH_NEGATIVE)
            reasons.append(f"high urgency with negative sentiment: {why}")
        elif config.high_always.intersection(urgency.reason_keys):
            keys.append(Reason.HIGH_ALWAYS)
            reasons.append(f"high urgency that needs a person whatever the tone: {why}")
    if fallback:
        recent = [turn.fallback for turn in history][-(config.fallbacks_in_a_row - 1) :]
        if config.fallbacks_in_a_row <= 1 or (
            len(recent) == config.fallbacks_in_a_row - 1 and all(recent)
        ):
            keys.append(Reason.FALLBACKS)
            reasons.append(f"the bot could not answer {config.fallbacks_in_a_row} times in a row")
    window = [turn.sentiment_score for turn in history][-config.sentiment_window :]
    if window and signals.sentiment.label is SentimentLabel.NEGATIVE:
        best = max(window)
        if best - signals.sentiment.score >= config.sentiment_drop:
            keys.append(Reason.SENTIMENT_DROP)
            reasons.append(
                f"sentiment turned sharply negative ({best:+.2f} → {signals.sentiment.score:+.2f})"
            )
    # No rule looks at FAQ keys: order-status and cancellation questions stay with the bot (its
    # CRM lookups answer them) unless one of the rules above fires.
    return Decision(
        escalate=bool(keys),
        reasons=tuple(reasons),
        reason_keys=tuple(keys),
        critical=Reason.CRITICAL in keys,
    )
