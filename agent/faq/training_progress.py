"""How far a retraining job is, read from what Rasa prints. Pure: no I/O.

The overall percentage is split by stage, roughly as the time goes on 2 cores (a full `rasa
train` of the demo data: 141 s; validating: 4 s; scoring two models on the held-out set: 21 s):

    validate  0–10   `rasa data validate`
    train    10–85   `rasa train`: rules and featurizers (16 s), DIETClassifier (33 s),
                     ResponseSelector (85 s), packing the model (6 s)
    evaluate 85–95   `rasa_addons/evaluate_model.py`
    deploy   95–100  `PUT /model` on each Rasa server

`rasa train` logs `Starting to train component 'X'.` and `Finished training component 'X'.` (or
`Restored component 'X' from cache.`) around each component, and the learned ones draw a tqdm
bar (`Epochs:  45%|████▌     | 45/100 [...]`) that does not say whose it is: the component is
the one whose span the current percentage lies in. tqdm is silent when Rasa logs at WARNING or
above (`--quiet`), so the training runs at INFO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    QUEUED = "queued"
    VALIDATE = "validate"
    TRAIN = "train"
    EVALUATE = "evaluate"
    DEPLOY = "deploy"
    DONE = "done"


_ORDER = list(Stage)
STAGE_START = {
    Stage.QUEUED: 0,
    Stage.VALIDATE: 0,
    Stage.TRAIN: 10,
    Stage.EVALUATE: 85,
    Stage.DEPLOY: 95,
    Stage.DONE: 100,
}
STAGE_MESSAGE = {
    Stage.QUEUED: "Waiting for the previous training to finish.",
    Stage.VALIDATE: "Checking the training questions.",
    Stage.TRAIN: "Training the new model.",
    Stage.EVALUATE: "Testing the new model on questions it was not trained on.",
    Stage.DEPLOY: "Loading the new model into the bot.",
    Stage.DONE: "Done.",
}


@dataclass(frozen=True)
class Progress:
    stage: Stage
    percent: int  # 0..100 overall, never goes down within a job
    message: str  # plain words, shown to the brand team

    @classmethod
    def start_of(cls, stage: Stage, message: str | None = None) -> Progress:
        return cls(stage, STAGE_START[stage], message or STAGE_MESSAGE[stage])


@dataclass(frozen=True)
class _Span:
    """A trained component's share of the overall percentage: its epochs run from `start` to
    `epochs_end`; the rest (saving, the last evaluation) up to `end`."""

    start: int
    epochs_end: int
    end: int
    message: str


_LEARNED = {
    "DIETClassifier": _Span(18, 35, 36, "Learning to tell FAQ questions from other messages"),
    "ResponseSelector": _Span(36, 76, 81, "Learning which answer fits each question"),
}
# Quick components: where the training is once they start.
_QUICK = {
    "RulePolicy": (11, "Learning the conversation rules"),
    "RegexEntityExtractor": (12, "Reading the training questions"),
    "CountVectorsFeaturizer": (14, "Reading the words of the training questions"),
}
_VALIDATION_STEPS = {
    "Validating intents...": 3,
    "Validating uniqueness of intents and stories...": 5,
    "Validating utterances...": 7,
    "Story structure validation...": 8,
    "No story structure conflicts found.": 9,
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOG = re.compile(r"^.*?\b(?:DEBUG|INFO|WARNING|ERROR)\s+[\w.]+\s+-\s+(.*)$")
_STARTING = re.compile(r"^Starting to train component '(\w+)'\.$")
_FINISHED = re.compile(
    r"^(?:Finished training component '(\w+)'\.|Restored component '(\w+)' from cache\.)$"
)
_EPOCHS = re.compile(r"^Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)\b")
_BAR = re.compile(r"^[\w ]+:\s+\d+%\|")
_SAVED = "Your Rasa model is trained and saved at"
_EVALUATE = re.compile(r"^evaluate (\d+)/(\d+)$")


def strip_colours(line: str) -> str:
    return _ANSI.sub("", line)


def clean_line(line: str) -> str:
    """A line of output without terminal colours and surrounding blanks."""
    return strip_colours(line).strip()


def is_progress_bar(line: str) -> bool:
    return bool(_BAR.match(line))


def parse_progress(line: str, current: Progress) -> Progress | None:
    """The progress a line of Rasa's output (or of the evaluation script) shows, or None when
    it shows nothing new. Never goes back: a line of an earlier stage (`rasa train` starts by
    validating too) or below the current percentage moves nothing."""
    read = _read(clean_line(line), current)
    if read is None:
        return None
    stage, percent, message = read
    if _ORDER.index(stage) < _ORDER.index(current.stage):
        return None
    found = Progress(stage, max(percent, current.percent), message)
    return None if found == current else found


def _read(line: str, current: Progress) -> tuple[Stage, int, str] | None:
    logged = _LOG.match(line)
    text = logged.group(1).strip() if logged else line
    if text in _VALIDATION_STEPS:
        return Stage.VALIDATE, _VALIDATION_STEPS[text], STAGE_MESSAGE[Stage.VALIDATE]
    if (started := _STARTING.match(text)) is not None:
        return _component_started(started.group(1), current)
    if (finished := _FINISHED.match(text)) is not None:
        return _component_finished(finished.group(1) or finished.group(2))
    if (epochs := _EPOCHS.match(text)) is not None:
        return _epoch(int(epochs.group(1)), int(epochs.group(2)), current)
    if text.startswith(_SAVED):
        return Stage.TRAIN, STAGE_START[Stage.EVALUATE], "The new model is trained."
    if (evaluated := _EVALUATE.match(text)) is not None:
        return _evaluated(int(evaluated.group(1)), int(evaluated.group(2)))
    return None


def _component_started(name: str, current: Progress) -> tuple[Stage, int, str]:
    if name in _LEARNED:
        span = _LEARNED[name]
        return Stage.TRAIN, span.start, f"{span.message}."
    if name in _QUICK:
        percent, message = _QUICK[name]
        return Stage.TRAIN, percent, f"{message}."
    # A component this table does not know (another config): the percentage stays.
    return Stage.TRAIN, max(current.percent, STAGE_START[Stage.TRAIN]), "Training the new model."


def _component_finished(name: str) -> tuple[Stage, int, str] | None:
    if name in _LEARNED:
        return Stage.TRAIN, _LEARNED[name].end, f"{_LEARNED[name].message}: done."
    return None


def _epoch(done: int, total: int, current: Progress) -> tuple[Stage, int, str] | None:
    span = next((s for s in _LEARNED.values() if s.start <= current.percent < s.end), None)
    if span is None or current.stage != Stage.TRAIN or total <= 0:
        return None
    share = min(done, total) / total
    percent = span.start + 1 + int(share * (span.epochs_end - span.start - 1))
    return Stage.TRAIN, percent, f"{span.message} (round {done} of {total})."


def _evaluated(done: int, total: int) -> tuple[Stage, int, str] | None:
    if total <= 0:
        return None
    start, end = STAGE_START[Stage.EVALUATE], STAGE_START[Stage.DEPLOY]
    percent = start + int(min(done, total) / total * (end - start))
    return (
        Stage.EVALUATE,
        min(percent, end - 1),
        f"{STAGE_MESSAGE[Stage.EVALUATE][:-1]} ({done} of {total}).",
    )


# --- what went wrong, in Rasa's words ----------------------------------------------------

# Printed on every run of this project: not a problem of the data.
_BENIGN = (
    "The following duplicated intents have been found across multiple domain files",
    "You have an overlap between the 'RegexEntityExtractor' and the statistical",
    "is greater than 'epochs=",
)
_WARNING = re.compile(r"\b(?:User)?Warning: (.*)$")
_ERROR = re.compile(r"^(?:\w+\.)*(\w*(?:Exception|Error)): (.*)$")
_SUMMARY = ("Project validation completed with errors.",)
MAX_PROBLEMS = 8
MAX_PROBLEM_CHARS = 300


def rasa_problems(lines: list[str]) -> list[str]:
    """Rasa's own error and warning lines from its output, trimmed for people: the messages
    without file paths, colours or the warnings every run prints. An exception's message goes
    on to the next blank line (a YAML error says there where it is)."""
    found: list[str] = []
    continued = 0  # lines an exception's message may still take
    for raw in lines:
        line = strip_colours(raw).strip()
        if continued and line:
            found[-1] += f" {line}"
            continued -= 1
            continue
        continued = 0
        warning = _WARNING.search(line)
        error = _ERROR.match(line)
        if "DeprecationWarning" in line or line in _SUMMARY:
            continue
        if warning and not any(benign in warning.group(1) for benign in _BENIGN):
            found.append(warning.group(1))
        elif error:
            found.append(f"{error.group(1)}: {error.group(2)}")
            continued = 6
    return _trim(_unique(found))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _trim(problems: list[str]) -> list[str]:
    shown = [
        p if len(p) <= MAX_PROBLEM_CHARS else p[: MAX_PROBLEM_CHARS - 1] + "…" for p in problems
    ]
    if len(shown) > MAX_PROBLEMS:
        rest = len(shown) - MAX_PROBLEMS
        shown = [*shown[:MAX_PROBLEMS], f"… and {rest} more."]
    return shown
