"""Rasa's side of retraining: its commands, run as subprocesses of the Rasa environment, and the
exported project they are given, read for the checks Rasa does not make. No logic of its own:
what the output means is `agent.faq.training_progress`'s."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agent.errors import AgentError
from agent.faq.content import question_language
from agent.faq.training_progress import Stage, clean_line, is_progress_bar, strip_colours
from agent.settings import REPO_ROOT

FAQ_LABEL = "faq/"
_ANSWER = "utter_faq/"
_KEPT_LINES = 400  # of output, for the error message when a step fails


class TrainingFailed(AgentError):
    """A step of the retraining could not be done; `reason` says why in plain words."""

    def __init__(self, stage: Stage, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True)
class RasaCommands:
    rasa_bin: Path
    rasa_python: Path
    cwd: Path  # the repository root

    @classmethod
    def default(cls) -> RasaCommands:
        venv = REPO_ROOT / ".venv-rasa" / "bin"
        return cls(rasa_bin=venv / "rasa", rasa_python=venv / "python", cwd=REPO_ROOT)

    def available(self) -> bool:
        return self.rasa_bin.is_file() and self.rasa_python.is_file()

    def env(self) -> dict[str, str]:
        # The app's own settings (AGENT_*, secrets among them) stay out of Rasa's processes.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_")}
        env.update(
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=str(self.cwd),
            PYTHONUNBUFFERED="1",  # lines in the order they happen, not when a buffer fills
            LOG_LEVEL="INFO",  # at WARNING Rasa silences the epoch bars progress is read from
            RASA_TELEMETRY_ENABLED="false",
        )
        return env


@dataclass(frozen=True)
class Project:
    """The FAQ part of an exported project: questions per key and language, answered keys."""

    questions: dict[str, dict[str, list[str]]]
    answered: frozenset[str]

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(f"{FAQ_LABEL}{key}" for key in self.questions)


# --- reading the exported project --------------------------------------------------------


def read_project(project_dir: Path) -> Project:
    """FAQ questions per key and language from `nlu_data/*.yml`, answered keys from the
    `utter_faq/<key>` responses of `domain.yml`. Raises TrainingFailed when a file is not
    YAML (Rasa's validation would say the same, after 4 s of start-up)."""
    questions: dict[str, dict[str, list[str]]] = {}
    for path in sorted((project_dir / "nlu_data").glob("*.yml")):
        for block in _load_yaml(path, project_dir).get("nlu") or []:
            intent = str(block.get("intent") or "") if isinstance(block, dict) else ""
            if not intent.startswith(FAQ_LABEL):
                continue
            by_language = questions.setdefault(intent.removeprefix(FAQ_LABEL), {})
            for text in _examples(block.get("examples")):
                by_language.setdefault(question_language(text), []).append(text)
    responses = _load_yaml(project_dir / "domain.yml", project_dir).get("responses") or {}
    answered = frozenset(
        str(n).removeprefix(_ANSWER) for n in responses if str(n).startswith(_ANSWER)
    )
    return Project(questions=questions, answered=answered)


def _load_yaml(path: Path, project_dir: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        where = path.relative_to(project_dir) if path.is_relative_to(project_dir) else path
        detail = " ".join(str(exc).replace(str(project_dir) + os.sep, "").split())
        raise TrainingFailed(Stage.VALIDATE, f"{where} cannot be read: {detail}") from exc
    return data if isinstance(data, dict) else {}


def _examples(value: object) -> list[str]:
    """The `- question` lines of a block's `examples: |` (kept even when empty after the dash,
    so that an empty question is reported rather than skipped)."""
    if not isinstance(value, str):
        return []
    lines = (line.strip() for line in value.splitlines())
    return [line[1:].strip() for line in lines if line == "-" or line.startswith("- ")]


# --- running Rasa ------------------------------------------------------------------------


@dataclass
class Finished:
    returncode: int
    lines: list[str]  # the last lines of output, without progress bars or colours
    stdout: str = ""  # with separate_stdout


async def run_rasa(
    argv: Sequence[str],
    *,
    commands: RasaCommands,
    stage: Stage,
    on_line: Callable[[str], Awaitable[None]],
    separate_stdout: bool = False,
) -> Finished:
    """Run a command of the Rasa environment (never through a shell), passing each line of its
    output (stderr, and stdout unless `separate_stdout`) to `on_line` as it comes. Its own
    process group: cancelling the awaiting task kills it and whatever it started."""
    if not commands.available():
        raise TrainingFailed(stage, f"Rasa is not installed at {commands.rasa_bin}.")
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=commands.cwd,
        env=commands.env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE if separate_stdout else asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    kept: deque[str] = deque(maxlen=_KEPT_LINES)
    stdout_task: asyncio.Task[bytes] | None = None
    try:
        if separate_stdout:
            assert process.stderr is not None
            stdout_task = asyncio.create_task(process.stdout.read())
            await _pump(process.stderr, on_line, kept)
            stdout = (await stdout_task).decode("utf-8", "replace")
        else:
            await _pump(process.stdout, on_line, kept)
            stdout = ""
        returncode = await process.wait()
    except BaseException:
        if stdout_task is not None:
            stdout_task.cancel()
        await _stop(process)
        raise
    return Finished(returncode, list(kept), stdout)


async def _pump(
    stream: asyncio.StreamReader, on_line: Callable[[str], Awaitable[None]], kept: deque[str]
) -> None:
    # tqdm redraws its bar after a carriage return: a line ends at "\r" as well as "\n".
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while True:
        chunk = await stream.read(65536)
        pending += decoder.decode(chunk, final=not chunk)
        *lines, pending = re.split(r"[\r\n]", pending)
        if not chunk:
            lines.append(pending)
        for raw in lines:
            line = clean_line(raw)
            if not is_progress_bar(line):
                kept.append(strip_colours(raw).rstrip())  # blank lines end error messages
            if line:
                await on_line(line)
        if not chunk:
            return


async def _stop(process: asyncio.subprocess.Process) -> None:
    """End the process group: TERM, then KILL after a few seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
