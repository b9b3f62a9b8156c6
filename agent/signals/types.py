"""What the app knows about one customer message beyond its words."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class UrgencyLevel(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    UrgencyLevel.LOW: 0,
    UrgencyLevel.NORMAL: 1,
    UrgencyLevel.HIGH: 2,
    UrgencyLevel.CRITICAL: 3,
}


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: SentimentLabel
    score: float  # -1 (very negative) … 1 (very positive)


@dataclass(frozen=True, slots=True)
class Urgency:
    level: UrgencyLevel
    score: float  # 0 … 1
    reasons: tuple[str, ...] = ()
    reason_keys: tuple[str, ...] = ()  # machine-readable: health_safety, wrong_charge, …


@dataclass(frozen=True, slots=True)
class Intent:
    name: str  # Rasa's intent; FAQ answers as their retrieval key, e.g. faq/shipping_time
    confidence: float


@dataclass(frozen=True, slots=True)
class Signals:
    language: str
    sentiment: Sentiment
    urgency: Urgency
    intent: Intent | None = None
    # The words with which the customer asked for a person (agent/signals/person_requests.yml),
    # whatever the intent says; None when no request phrase matched.
    asked_for_person: str | None = None

    def as_metadata(self) -> dict[str, Any]:
        """The form stored with the message and sent to Rasa as metadata."""
        data: dict[str, Any] = {
            "language": self.language,
            "sentiment": {"label": self.sentiment.label.value, "score": self.sentiment.score},
            "urgency": {
                "level": self.urgency.level.value,
                "score": self.urgency.score,
                "reasons": list(self.urgency.reasons),
                "reason_keys": list(self.urgency.reason_keys),
            },
        }
        if self.intent is not None:
            data["intent"] = {"name": self.intent.name, "confidence": self.intent.confidence}
        if self.asked_for_person is not None:
            data["asked_for_person"] = self.asked_for_person
        return data


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What the escalation policy remembers of an earlier customer turn."""

    sentiment_score: float
    fallback: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
