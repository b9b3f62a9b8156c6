"""The signal model's reading started ahead of a turn, on the model's own thread."""

import threading
from collections.abc import Sequence

from agent.signals.analyzer import Analyzer
from agent.signals.rules import load_rules


class CountingModel:
    """Stands in for the learned model: records each call and the thread it ran on."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()

    def predict(self, texts: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        self.calls.append(list(texts))
        self.threads.add(threading.current_thread().name)
        return [
            {
                "sentiment": {"negative": 0.1, "neutral": 0.2, "positive": 0.7},
                "urgency": {"low": 0.7, "normal": 0.3, "high": 0.0, "critical": 0.0},
            }
            for _ in texts
        ]


def analyzer(model: CountingModel) -> Analyzer:
    return Analyzer(
        model=model,  # type: ignore[arg-type]  # duck-typed: only predict() is used
        rules=load_rules(),
        intents=None,
        faq_min_confidence=0.5,
    )


async def test_a_reading_started_ahead_is_used_and_not_computed_again() -> None:
    model = CountingModel()
    signals = analyzer(model)
    ahead = signals.read_ahead("love the new toner!")
    reading = await signals.read("love the new toner!", ahead=ahead)
    assert model.calls == [["love the new toner!"]]
    assert reading.provisional.signals.sentiment.label.value == "positive"
    assert {name.split("_")[0] for name in model.threads} == {"signal-model"}


async def test_a_reading_ahead_of_another_text_is_not_used() -> None:
    model = CountingModel()
    signals = analyzer(model)
    ahead = signals.read_ahead("first text")
    await signals.read("an older message answered first", ahead=ahead)
    assert model.calls == [["first text"], ["an older message answered first"]]
