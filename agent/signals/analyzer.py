"""Signals for a message: language (script + fastText), sentiment (learned model), urgency (rules
first; the learned model where no rule fires, where a rule's guard took a critical rule's words
out, or above a high rule; the intent for chit-chat), the intent from Rasa, and whether the
customer asks for a person (brand-editable phrases, besides Rasa's intent)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

from agent.settings import DEFAULT_GUARDED_CRITICAL_MIN as GUARDED_CRITICAL_MIN
from agent.settings import DEFAULT_HIGH_RULE_CRITICAL_MIN as HIGH_RULE_CRITICAL_MIN
from agent.signals.data import CHITCHAT_INTENTS
from agent.signals.language import detect_language
from agent.signals.model import SignalModel
from agent.signals.person_requests import PersonRequests, asked_for_person
from agent.signals.rules import RuleHit, UrgencyRule, read_rules
from agent.signals.types import (
    Intent,
    Sentiment,
    SentimentLabel,
    Signals,
    Urgency,
    UrgencyLevel,
)

# The learned model raises urgency on its own only when it is this sure; below, the rules and
# the intent decide. It is the backstop against a wording no rule knows. The high bar was chosen
# on development messages no rule caught: at 0.6 the model raised 18 of 28 high ones and 3 of 222
# others, at 0.85 7 and none. A false "high" escalates only with negative sentiment.
MODEL_CRITICAL_MIN = 0.6
MODEL_HIGH_MIN = 0.6
_LEVEL_FLOOR = {
    UrgencyLevel.LOW: 0.0,
    UrgencyLevel.NORMAL: 0.25,
    UrgencyLevel.HIGH: 0.5,
    UrgencyLevel.CRITICAL: 0.75,
}
_NORMAL_INTENTS = frozenset({"faq", "complaint", "human_handoff"})
_MODEL_REASON = {
    "en": "reads like messages that needed a person (model, {p:.0%} sure)",
    "ja": "担当者対応が必要だった文面に類似（モデル判定、確度{p:.0%}）",
}
_GUARDED_REASON = {
    "en": "; also worded like a harmless message, read as a report by the model ({p:.0%} sure)",
    "ja": "。問題のない文面にも似ていますが、モデルは報告と判定（確度{p:.0%}）",
}


Probabilities = dict[str, dict[str, float]]  # per head, per label


class IntentSource(Protocol):
    async def parse(self, text: str) -> Intent | None: ...


@dataclass(frozen=True, slots=True)
class Judged:
    signals: Signals
    fallback: bool  # the bot cannot answer this itself (NLU fallback or an unsure FAQ)


@dataclass(frozen=True, slots=True)
class Unsure:
    """No rule fired and the model is not sure enough: the intent decides between low and
    normal."""

    probs: dict[str, float]  # the urgency head's
    expected: float  # the urgency score the head's probabilities give


@dataclass(frozen=True, slots=True)
class Reading:
    """A message read before its intent is known: language, sentiment and the urgency the rules
    and the model give. `complete` adds the intent (from the same Rasa pass that answers)."""

    language: str
    sentiment: Sentiment
    asked: str | None
    urgency: Urgency | Unsure

    @property
    def provisional(self) -> Judged:
        """The reading as it stands before the intent is known."""
        return Judged(self.signals(None), fallback=True)

    def signals(self, intent: Intent | None) -> Signals:
        urgency = self.urgency
        if isinstance(urgency, Unsure):
            urgency = _by_intent(urgency, intent, asked=self.asked is not None)
        return Signals(self.language, self.sentiment, urgency, intent, self.asked)


@dataclass(frozen=True, slots=True)
class Ahead:
    """The learned model's reading of a message, started before its turn needs it."""

    text: str
    probs: asyncio.Future[list[Probabilities]]


class Analyzer:
    def __init__(
        self,
        *,
        model: SignalModel,
        rules: tuple[UrgencyRule, ...],
        intents: IntentSource | None,
        faq_min_confidence: float,
        person_requests: PersonRequests | None = None,
        guarded_critical_min: float = GUARDED_CRITICAL_MIN,
        high_rule_critical_min: float = HIGH_RULE_CRITICAL_MIN,
    ) -> None:
        self._model = model
        self._guarded_min = guarded_critical_min
        self._high_rule_min = high_rule_critical_min
        self._rules = rules
        self._person_requests = person_requests
        self._intents = intents
        self._faq_min = faq_min_confidence
        # The model has one thread of its own: messages are read in the order they come, each
        # with both cores (torch's intra-op threads), instead of several at once contending.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="signal-model")

    def _predict(self, texts: Sequence[str]) -> asyncio.Future[list[Probabilities]]:
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, self._model.predict, list(texts))

    def read_ahead(self, text: str) -> Ahead:
        """Start the model on a message as soon as the worker takes it from the queue, so it
        runs while the message is stored and its conversation looked up. A reading nobody
        asks for (the turn waits, or the text changed) is simply dropped."""
        future = self._predict([text])
        future.add_done_callback(_retrieve)
        return Ahead(text, future)

    async def judge(self, text: str, *, previous_language: str | None = None) -> Judged:
        return (await self.judge_many([text], previous_language=previous_language))[0]

    async def judge_many(
        self, texts: Sequence[str], *, previous_language: str | None = None
    ) -> list[Judged]:
        """The model runs in a thread (one batch for all texts) while Rasa parses them."""
        learned_task = self._predict(texts)
        try:
            intents = await asyncio.gather(*(self._intent(t) for t in texts))
        finally:
            learned = await learned_task
        readings = await asyncio.to_thread(self._read_all, texts, learned, previous_language)
        return [self.complete(r, i) for r, i in zip(readings, intents, strict=True)]

    async def read(
        self, text: str, *, previous_language: str | None = None, ahead: Ahead | None = None
    ) -> Reading:
        """Everything but the intent, without asking Rasa: the worker gets the intent from
        the pass in which Rasa answers, so each message is read by Rasa once. `ahead`: the
        model's reading started earlier, used when it is of this very text."""
        pending = ahead.probs if ahead is not None and ahead.text == text else self._predict([text])
        [probs] = await pending
        return await asyncio.to_thread(self._read, text, probs, previous_language)

    def complete(self, reading: Reading, intent: Intent | None) -> Judged:
        """The reading with the intent: cheap, the rules were read once in `read`."""
        fallback = intent is None or _is_fallback(intent, self._faq_min)
        return Judged(reading.signals(intent), fallback)

    async def _intent(self, text: str) -> Intent | None:
        return await self._intents.parse(text) if self._intents else None

    def _read_all(
        self, texts: Sequence[str], learned: list[Probabilities], previous_language: str | None
    ) -> list[Reading]:
        return [self._read(t, p, previous_language) for t, p in zip(texts, learned, strict=True)]

    def _read(self, text: str, probs: Probabilities, previous_language: str | None) -> Reading:
        """What does not depend on the intent. Run in a thread: the rules' regexes take time
        that grows with the message's length, and the event loop must not wait for them."""
        language = detect_language(text, previous=previous_language).value
        asked = (
            asked_for_person(text, self._person_requests)
            if self._person_requests is not None
            else None
        )
        urgency = self._urgency(text, language, probs["urgency"])
        return Reading(language, _sentiment(probs["sentiment"]), asked, urgency)

    def _urgency(self, text: str, language: str, probs: dict[str, float]) -> Urgency | Unsure:
        expected = sum(_LEVEL_FLOOR[UrgencyLevel(k)] * p for k, p in probs.items()) / 0.75
        p_critical = probs.get(UrgencyLevel.CRITICAL.value, 0.0)
        # Guarded critical rules matter only when the model leans that way enough to decide.
        doubted = _reaches(p_critical, self._guarded_min)
        reading = read_rules(
            text,
            self._rules,
            language=language,
            silenced_level=UrgencyLevel.CRITICAL if doubted else None,
        )
        hits = reading.hits
        lang = language if language in _MODEL_REASON else "en"
        if reading.silenced and (not hits or hits[0].level is not UrgencyLevel.CRITICAL):
            note = _GUARDED_REASON[lang].format(p=p_critical)
            return _ruled(reading.silenced, expected, note)
        if hits:
            level = hits[0].level
            ruled = _ruled([h for h in hits if h.level is level], expected)
            if level is UrgencyLevel.HIGH and _reaches(p_critical, self._high_rule_min):
                # A high rule sets a floor, not a ceiling: a fraud read as a wrong charge, or a
                # legal threat read as repeated contact, is raised when the model is as sure as
                # it must be to raise a message no rule caught (the default bar). The rule's
                # reasons stay first, for the person and the routing; the level and its score
                # are the model's.
                model = _modelled(UrgencyLevel.CRITICAL, p_critical, expected, lang)
                return replace(
                    model,
                    reasons=ruled.reasons + model.reasons,
                    reason_keys=ruled.reason_keys + model.reason_keys,
                )
            return ruled
        for level, floor in (
            (UrgencyLevel.CRITICAL, MODEL_CRITICAL_MIN),
            (UrgencyLevel.HIGH, MODEL_HIGH_MIN),
        ):
            p = probs.get(level.value, 0.0)
            if p >= floor:
                return _modelled(level, p, expected, lang)
        return Unsure(probs, expected)


def _reaches(p: float, bar: float) -> bool:
    """Whether the model is sure enough for a bar that a setting may move; 1 turns it off."""
    return bar < 1.0 and p >= bar


def _by_intent(unsure: Unsure, intent: Intent | None, *, asked: bool) -> Urgency:
    base = intent.name.split("/")[0] if intent else ""
    if asked:  # a request for a person is never idle chatter, whatever Rasa read
        level = UrgencyLevel.NORMAL
    elif base in CHITCHAT_INTENTS:
        level = UrgencyLevel.LOW
    elif base in _NORMAL_INTENTS:
        level = UrgencyLevel.NORMAL
    else:  # out of scope or not understood: idle chatter or a real question, the model says
        low, normal = unsure.probs.get("low", 0.0), unsure.probs.get("normal", 0.0)
        level = UrgencyLevel.LOW if low > normal else UrgencyLevel.NORMAL
    return Urgency(level=level, score=round(min(unsure.expected, 0.49), 3))


def _modelled(level: UrgencyLevel, p: float, expected: float, lang: str) -> Urgency:
    """The level the learned model gives, with its certainty as the reason."""
    return Urgency(
        level=level,
        score=round(max(_LEVEL_FLOOR[level], min(1.0, expected)), 3),
        reasons=(_MODEL_REASON[lang].format(p=p),),
        reason_keys=("model",),
    )


def _ruled(top: Sequence[RuleHit], expected: float, note: str = "") -> Urgency:
    # A rule's level scores above the model's own reading of the same level.
    level = top[0].level
    return Urgency(
        level=level,
        score=round(max(_LEVEL_FLOOR[level] + 0.2, min(1.0, expected)), 3),
        reasons=tuple(f"{h.explanation} (“{h.matched.strip()}”){note}" for h in top),
        reason_keys=tuple(h.reason for h in top),
    )


def _sentiment(probs: dict[str, float]) -> Sentiment:
    score = probs.get("positive", 0.0) - probs.get("negative", 0.0)
    label = max(probs, key=lambda k: probs[k])
    return Sentiment(SentimentLabel(label), round(score, 3))


def _is_fallback(intent: Intent, faq_min: float) -> bool:
    """Rasa's FallbackClassifier already turned unsure intents into `nlu_fallback`; an FAQ whose
    answer the ResponseSelector is unsure of gets the honest "not sure" reply (agent/nlg)."""
    if intent.name == "nlu_fallback":
        return True
    return intent.name.startswith("faq/") and intent.confidence < faq_min


def _retrieve(future: asyncio.Future[list[Probabilities]]) -> None:
    # An unused reading that failed must not be reported as a never-retrieved exception; the
    # turn that needs a reading computes its own.
    if not future.cancelled():
        future.exception()
