"""A Redis tracker store that keeps only the last few turns of each conversation.

Rasa's policies featurize the whole stored history on every turn, so without a bound the
latency grows with the length of a conversation. The app keeps the full transcript in SQL;
Rasa only needs the recent turns its rules and memoization look at. Slot values survive the
trim as SlotSet events at the start of the kept window.
"""

from typing import Any, List, Optional

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_MAX_TURNS = 6


def bounded_events(events: List[Event], max_turns: int) -> Optional[List[Event]]:
    """The events of the last `max_turns` user turns, or None when nothing needs trimming."""
    turn_starts = [
        i
        for i in range(len(events) - 1)
        if isinstance(events[i], ActionExecuted)
        and events[i].action_name == ACTION_LISTEN_NAME
        and isinstance(events[i + 1], UserUttered)
    ]
    if len(turn_starts) <= max_turns:
        return None
    return list(events[turn_starts[-max_turns] :])


class BoundedRedisTrackerStore(RedisTrackerStore):
    def __init__(self, *args: Any, max_turns: int = DEFAULT_MAX_TURNS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_turns = int(max_turns)

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        await self.stream_events(tracker)
        kept = bounded_events(list(tracker.events), self.max_turns)
        if kept is not None:
            slots = [
                SlotSet(name, value, timestamp=kept[0].timestamp)
                for name, value in tracker.current_slot_values().items()
                if value is not None
            ]
            tracker = DialogueStateTracker.from_events(
                tracker.sender_id, slots + kept, slots=self.domain.slots
            )
        # No merge with the stored tracker (the parent merges): the trimmed copy replaces it.
        self.red.set(
            self.key_prefix + tracker.sender_id,
            self.serialise_tracker(tracker),
            ex=timeout or self.record_exp,
        )
