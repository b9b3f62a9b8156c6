"""The retraining runner against the real Rasa environment: a project Rasa refuses stops at
validation, in seconds, and nothing is loaded into Rasa. Also the subprocess plumbing (lines cut
at "\\r", the process group ended on cancel) and the evaluation script on the live model.
A full training takes minutes: the end-to-end tests cover it."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest

from agent.faq.training import (
    Progress,
    RasaCommands,
    Stage,
    TrainingFailed,
    evaluate,
    run_training,
)
from agent.faq.training_rasa import read_project, run_rasa
from agent.settings import REPO_ROOT

RASA = RasaCommands.default()
needs_rasa = pytest.mark.skipif(
    not RASA.available(), reason=".venv-rasa/bin/rasa is missing: run scripts/setup.sh"
)
LIVE_MODEL = REPO_ROOT / "models" / "current.tar.gz"
HELDOUT = REPO_ROOT / "tests" / "nlu_heldout" / "heldout.yml"


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "domain.yml", project / "domain.yml")
    shutil.copytree(REPO_ROOT / "nlu_data", project / "nlu_data")
    return project


def _never_called(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"Rasa was called: {request.method} {request.url}")


async def _run(project: Path, tmp_path: Path, seen: list[Progress]) -> None:
    async def on_progress(progress: Progress) -> None:
        seen.append(progress)

    async with httpx.AsyncClient(transport=httpx.MockTransport(_never_called)) as http:
        await run_training(
            project,
            out_dir=tmp_path / "models",
            name="candidate",
            live_model=LIVE_MODEL,
            heldout=HELDOUT,
            commands=RASA,
            http=http,
            rasa_urls=["http://rasa.invalid:5005"],
            token="secret",
            max_drop=0.02,
            min_confidence=0.5,
            on_progress=on_progress,
        )


@needs_rasa
async def test_a_project_rasa_refuses_stops_at_validation_and_loads_nothing(
    tmp_path: Path,
) -> None:
    # One FAQ question also given as a greeting: `rasa data validate --fail-on-warnings`
    # refuses an example under two intents (the studio's own checks look at FAQ keys only).
    project = _copy_project(tmp_path)
    key, by_language = next(iter(read_project(project).questions.items()))
    question = by_language["en"][0]
    chitchat = project / "nlu_data" / "chitchat.yml"
    text, count = re.subn(
        r"(- intent: greet\n  examples: \|\n)", rf"\g<1>    - {question}\n", chitchat.read_text()
    )
    assert count == 1, "nlu_data/chitchat.yml no longer starts the greet examples as expected"
    chitchat.write_text(text)

    seen: list[Progress] = []
    started = time.monotonic()
    with pytest.raises(TrainingFailed) as failed:
        await _run(project, tmp_path, seen)

    assert time.monotonic() - started < 60
    assert failed.value.stage == Stage.VALIDATE
    assert failed.value.reason.startswith("Rasa refused the training data:\n- ")
    assert f"The example '{question}' was found labeled with multiple" in failed.value.reason
    assert "faq, greet" in failed.value.reason
    assert {p.stage for p in seen} == {Stage.VALIDATE}
    assert [p.percent for p in seen] == sorted(p.percent for p in seen)
    assert not (tmp_path / "models" / "candidate.tar.gz").exists()
    assert key  # the project had FAQ keys to take a question from


async def test_what_rasa_lets_through_is_refused_before_rasa_starts(tmp_path: Path) -> None:
    # One question under two FAQ keys and an FAQ without its answer: both train without a
    # complaint from Rasa.
    project = _copy_project(tmp_path)
    questions = read_project(project).questions
    first, second = sorted(questions)[:2]
    question = questions[first]["en"][0]
    faq_file = next(
        p for p in (project / "nlu_data").glob("faq_*.yml") if f"faq/{second}\n" in p.read_text()
    )
    faq_file.write_text(
        faq_file.read_text().replace(
            f"- intent: faq/{second}\n  examples: |\n",
            f"- intent: faq/{second}\n  examples: |\n    - {question.upper()}\n",
        )
    )
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace(f"  utter_faq/{first}:\n", "  utter_gone:\n"))

    seen: list[Progress] = []
    started = time.monotonic()
    with pytest.raises(TrainingFailed) as failed:
        await _run(project, tmp_path, seen)

    assert time.monotonic() - started < 5
    assert failed.value.stage == Stage.VALIDATE
    reason = failed.value.reason
    assert reason.startswith("The training data has problems:\n- ")
    assert f"“{question.upper()}” ({second}) is the same question as “{question}” ({first})" in (
        reason
    )
    assert f"{first} has training questions but no answer (utter_faq/{first})" in reason


async def test_a_project_that_is_not_yaml_is_refused_with_the_place(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    (project / "nlu_data" / "broken.yml").write_text("nlu:\n- intent: faq/x\n  examples: [\n")
    with pytest.raises(TrainingFailed) as failed:
        await _run(project, tmp_path, [])
    assert failed.value.stage == Stage.VALIDATE
    assert failed.value.reason.startswith("nlu_data/broken.yml cannot be read: ")
    assert str(project) not in failed.value.reason


# --- the subprocess plumbing, with this Python standing in for Rasa's ----------------------

PYTHON = RasaCommands(
    rasa_bin=Path(sys.executable), rasa_python=Path(sys.executable), cwd=REPO_ROOT
)


async def test_output_is_read_line_by_line_at_carriage_returns_and_newlines() -> None:
    # A tqdm bar redrawn after "\r", a multi-byte character cut between two writes.
    script = (
        "import sys, time\n"
        "out = sys.stderr.buffer\n"
        "out.write(b'Epochs:   0%|  | 0/2\\rEpochs:  50%|  | 1/2'); out.flush(); time.sleep(0.2)\n"
        "rest = '\\rEpochs: 100%|  | 2/2\\n荷物\\x1b[92m done\\x1b[0m\\n\\n'.encode()\n"
        "cut = rest.index('物'.encode()) + 1\n"
        "out.write(rest[:cut]); out.flush(); time.sleep(0.2)\n"
        "out.write(rest[cut:]); out.flush()\n"
        "sys.stdout.write('{\"json\": true}')\n"
    )
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    finished = await run_rasa(
        [sys.executable, "-c", script],
        commands=PYTHON,
        stage=Stage.EVALUATE,
        on_line=on_line,
        separate_stdout=True,
    )
    assert finished.returncode == 0
    assert lines == [
        "Epochs:   0%|  | 0/2",
        "Epochs:  50%|  | 1/2",
        "Epochs: 100%|  | 2/2",
        "荷物 done",
    ]
    assert finished.stdout == '{"json": true}'
    assert [line for line in finished.lines if line] == ["荷物 done"]  # bars are not kept


async def test_cancelling_the_job_ends_the_whole_process_group(tmp_path: Path) -> None:
    # The command starts a grandchild, as `rasa train` does (TensorFlow, spaCy workers).
    pids = tmp_path / "pids"
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    started = asyncio.Event()

    async def on_line(line: str) -> None:
        if line == "started":
            started.set()

    task = asyncio.create_task(
        run_rasa(
            [sys.executable, "-c", script], commands=PYTHON, stage=Stage.TRAIN, on_line=on_line
        )
    )
    await asyncio.wait_for(started.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), f"process {pid} outlived the cancelled job"


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie is dead too: its parent (the killed command) is gone, init reaps it.
        status = Path(f"/proc/{pid}/stat")
        if status.exists() and status.read_text().split()[2] == "Z":
            return False
        time.sleep(0.05)
    return True


@needs_rasa
@pytest.mark.skipif(not LIVE_MODEL.is_file(), reason="no trained model: run scripts/train.sh")
async def test_the_evaluation_script_scores_the_live_model() -> None:
    seen: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        seen.append(progress)

    [score] = await evaluate(
        [LIVE_MODEL], HELDOUT, commands=RASA, min_confidence=0.5, on_progress=on_progress
    )
    assert score.examples > 0
    assert 0.0 <= score.accuracy <= 1.0
    assert all(key.startswith("faq/") for key in score.per_key)
    assert seen[0].stage == Stage.EVALUATE and seen[-1].percent == 94
