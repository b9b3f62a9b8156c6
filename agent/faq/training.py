"""Retraining the Rasa model from the FAQ studio: a background job with visible progress that
checks the new model before it goes live, then loads it into the running Rasa servers.

    validate → train → evaluate (new and live model together) → gate → deploy

The studio exports its store into a project directory (`domain.yml`, `nlu_data/`) and calls
`run_training`. Rasa runs in its own environment (Python 3.10), as subprocesses started from the
repository root: `config.yml` names `models/spacy_ja` and `rasa_addons.*` by relative path.
Pure parts: `training_progress` (what Rasa's output says), `training_quality` (the checks and
the gate); the subprocesses and the project's files: `training_rasa`.

What `rasa data validate --fail-on-warnings` refuses (Rasa 3.6.21; exit code 1, else 0): YAML
it cannot read, and one example under two intents, e.g. `faq` and `greet`. What it lets
through, and `rasa train` trains on: one question under two FAQ keys (every FAQ example is
intent `faq` to it), a key without its `utter_faq/<key>` response (only a warning per example;
the model then cannot answer the key), a key with one question or an empty one. So the
project is first read here and checked with `check_training_data`.

A refused candidate model is deleted (so is one that failed its test or was cancelled): at
120 MB it is of no use to the brand team, a later `rasa run` without `--model` would load the
newest file of its directory, and it can be rebuilt (fixed random seeds, and Rasa's training
cache in `.rasa/cache` restores the unchanged components). The figures and the reason stay in
the `TrainingResult`. Names must be unique per job: a deployed model's file is the live one.

`PUT /model` (Rasa 3.6.21, rasa/server.py) builds a whole new agent and only then swaps it in,
so a load that fails leaves the old model answering and no request fails. But the load runs
synchronously on the server's event loop: every request waits for it (measured here: 5.9–6.7 s,
the app's Rasa timeout is 10 s). Servers are therefore loaded one after the other, so that
behind a load balancer at most one is busy. Rasa's `PUT /model` reaches one Sanic worker: with
SANIC_WORKERS > 1 the others keep the old model (the `/status` check then says so).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from agent.faq.training_progress import Progress, Stage, parse_progress, rasa_problems
from agent.faq.training_quality import (
    DEFAULT_MAX_KEY_DROP,
    Evaluation,
    Gate,
    check_training_data,
    faq_accuracy,
    gate,
)
from agent.faq.training_rasa import RasaCommands, TrainingFailed, read_project, run_rasa

__all__ = [
    "DEFAULT_MAX_KEY_DROP",
    "DeployFailed",
    "Evaluation",
    "Gate",
    "Progress",
    "RasaCommands",
    "Stage",
    "TrainingFailed",
    "TrainingResult",
    "check_training_data",
    "evaluate",
    "faq_accuracy",
    "gate",
    "load_into_rasa",
    "parse_progress",
    "run_training",
    "train",
    "validate",
]

OnProgress = Callable[[Progress], Awaitable[None]]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# A load blocks the server for ~6 s here; a bigger model on a busier machine takes longer.
DEPLOY_TIMEOUT_S = 180.0


class DeployFailed(TrainingFailed):
    """A Rasa server refused or missed the new model. `loaded`: the servers that may be
    running it (the live model is put back on them)."""

    def __init__(self, reason: str, *, loaded: list[str]) -> None:
        super().__init__(Stage.DEPLOY, reason)
        self.loaded = loaded


@dataclass(frozen=True)
class TrainingResult:
    model_path: Path | None  # None when the gate refused it (the file is deleted)
    candidate: Evaluation
    baseline: Evaluation | None  # None when there was no live model
    gate: Gate
    deployed: bool


# --- the steps ---------------------------------------------------------------------------


async def validate(project_dir: Path, *, commands: RasaCommands, on_progress: OnProgress) -> None:
    """Check the exported project: the studio's own rules, then `rasa data validate`. Raises
    TrainingFailed with the problems in plain words (Rasa's own lines for its refusals)."""
    progress = _Tracker(on_progress, Progress.start_of(Stage.VALIDATE))
    await progress.begin()
    project = await asyncio.to_thread(read_project, project_dir)
    problems = check_training_data(project.questions, answered=project.answered)
    if problems:
        raise TrainingFailed(Stage.VALIDATE, _listed("The training data has problems:", problems))
    argv = [
        str(commands.rasa_bin), "data", "validate",
        "--domain", str(project_dir / "domain.yml"),
        "--data", str(project_dir / "nlu_data"),
        "--config", "config.yml",
        "--fail-on-warnings",
    ]  # fmt: skip
    finished = await run_rasa(argv, commands=commands, stage=Stage.VALIDATE, on_line=progress.line)
    if finished.returncode != 0:
        problems = [_relative(p, project_dir) for p in rasa_problems(finished.lines)]
        raise TrainingFailed(
            Stage.VALIDATE,
            _listed("Rasa refused the training data:", problems or _last_lines(finished.lines)),
        )


async def train(
    project_dir: Path, *, out_dir: Path, name: str, commands: RasaCommands, on_progress: OnProgress
) -> Path:
    """`rasa train` into `out_dir/<name>.tar.gz`, its output read for progress as it comes."""
    model = _model_file(out_dir, name)
    progress = _Tracker(on_progress, Progress.start_of(Stage.TRAIN))
    await progress.begin()
    argv = [
        str(commands.rasa_bin), "train",
        "--config", "config.yml",
        "--domain", str(project_dir / "domain.yml"),
        "--data", str(project_dir / "nlu_data"),
        "--out", str(out_dir),
        "--fixed-model-name", name,
        "--skip-validation",  # validate() has just done it, and more strictly
    ]  # fmt: skip
    finished = await run_rasa(argv, commands=commands, stage=Stage.TRAIN, on_line=progress.line)
    if finished.returncode != 0 or not model.is_file():
        problems = rasa_problems(finished.lines) or _last_lines(finished.lines)
        problems = [_relative(p, project_dir) for p in problems]
        raise TrainingFailed(
            Stage.TRAIN,
            _listed(f"Training stopped (rasa train exited with {finished.returncode}):", problems),
        )
    return model


async def evaluate(
    model_paths: list[Path],
    heldout: Path,
    *,
    commands: RasaCommands,
    min_confidence: float,
    labels: Collection[str] | None = None,
    on_progress: OnProgress | None = None,
) -> list[Evaluation]:
    """Score each model on the held-out set, in that order, from one run of
    `rasa_addons/evaluate_model.py` (loading TensorFlow dominates). With `labels`, only
    held-out questions of those FAQ keys (`faq/<key>`) count: the questions of a key the
    brand team removed say nothing about the new model."""
    if not await asyncio.to_thread(heldout.is_file):
        raise TrainingFailed(
            Stage.EVALUATE, f"The held-out test questions are missing ({heldout})."
        )
    progress = _Tracker(on_progress, Progress.start_of(Stage.EVALUATE))
    await progress.begin()
    argv = [
        str(commands.rasa_python), "-m", "rasa_addons.evaluate_model",
        "--heldout", str(heldout),
        *(str(path.resolve()) for path in model_paths),
    ]  # fmt: skip
    finished = await run_rasa(
        argv, commands=commands, stage=Stage.EVALUATE, on_line=progress.line, separate_stdout=True
    )
    if finished.returncode != 0:
        problems = rasa_problems(finished.lines) or _last_lines(finished.lines)
        raise TrainingFailed(Stage.EVALUATE, _listed("Testing the new model failed:", problems))
    try:
        results = json.loads(finished.stdout)["models"]
        predictions = [
            [(str(a), str(b), float(c)) for a, b, c in r["predictions"]] for r in results
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainingFailed(
            Stage.EVALUATE, f"The test results could not be read: {exc!r}"
        ) from exc
    if labels is not None:
        predictions = [[p for p in model if p[0] in labels] for model in predictions]
    return [faq_accuracy(p, min_confidence=min_confidence) for p in predictions]


SWAP_PATH = "/webhooks/model_swap/load"


async def load_into_rasa(
    http: httpx.AsyncClient,
    rasa_urls: list[str],
    *,
    token: str | None,
    model_path: Path,
) -> None:
    """Load the model into each Rasa server, one after the other, through the model swap
    channel (rasa_addons/model_swap.py: loaded in a thread, so the server keeps answering;
    Rasa's own `PUT /model` would stall every request for the whole load), then check with
    `GET /status` that it serves the file. Raises DeployFailed naming the servers that had
    already taken the model. The path is read by the Rasa server: same machine or a shared
    volume."""
    params = {"token": token} if token else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    model_file = _absolute(model_path)  # read by Rasa, whose working directory may differ
    loaded: list[str] = []
    for url in rasa_urls:
        base = url.rstrip("/")
        try:
            response = await http.put(
                f"{base}{SWAP_PATH}",
                headers=headers,
                json={"model_file": model_file},
                timeout=DEPLOY_TIMEOUT_S,
            )
            if response.status_code != httpx.codes.OK:
                raise DeployFailed(
                    f"Rasa at {base} refused the new model ({response.status_code}: "
                    f"{_rasa_message(response)}).",
                    loaded=loaded,
                )
            status = await http.get(f"{base}/status", params=params)
            serving = status.json().get("model_file") if status.status_code == 200 else None
        except httpx.ConnectError as exc:
            raise DeployFailed(
                f"Rasa at {base} could not be reached: {exc!r}.", loaded=loaded
            ) from exc
        except (httpx.HTTPError, ValueError) as exc:
            # Cut off mid-load (a timeout): it may yet serve the new model, so it counts as
            # loaded and gets the live one back.
            raise DeployFailed(
                f"Rasa at {base} did not answer: {exc!r}.", loaded=[*loaded, url]
            ) from exc
        if serving != model_path.name:
            # More than one Sanic worker (SANIC_WORKERS): PUT reached only one of them.
            raise DeployFailed(
                f"Rasa at {base} took the new model but reports {serving!r}.", loaded=[*loaded, url]
            )
        loaded.append(url)


async def run_training(
    project_dir: Path,
    *,
    out_dir: Path,
    name: str,
    live_model: Path,
    heldout: Path,
    commands: RasaCommands,
    http: httpx.AsyncClient,
    rasa_urls: list[str],
    token: str | None,
    max_drop: float,
    min_confidence: float,
    on_progress: OnProgress,
    max_key_drop: float = DEFAULT_MAX_KEY_DROP,
) -> TrainingResult:
    """The whole job. The live model is never touched unless the new one passes the gate;
    when a deploy fails part-way, the servers that took the new model get the live one back."""
    model = _model_file(out_dir, name, live_model=live_model)
    report = _Monotonic(on_progress)
    await validate(project_dir, commands=commands, on_progress=report)
    labels = (await asyncio.to_thread(read_project, project_dir)).labels
    keep = False  # the candidate file: deleted unless it went live
    try:
        await train(project_dir, out_dir=out_dir, name=name, commands=commands, on_progress=report)
        models = [model, live_model] if await asyncio.to_thread(live_model.is_file) else [model]
        scores = await evaluate(
            models, heldout, commands=commands, min_confidence=min_confidence,
            labels=labels, on_progress=report,
        )  # fmt: skip
        candidate, baseline = scores[0], (scores[1] if len(scores) > 1 else None)
        verdict = gate(candidate, baseline, max_drop=max_drop, max_key_drop=max_key_drop)
        if not verdict.passed:
            await report(Progress(Stage.DONE, 100, verdict.reason))
            return TrainingResult(None, candidate, baseline, verdict, deployed=False)
        await report(Progress.start_of(Stage.DEPLOY))
        try:
            await _deploy(http, rasa_urls, token=token, model=model, live_model=live_model)
        except DeployFailed as failed:
            keep = bool(failed.loaded)  # a server still runs it: its file stays
            raise
        keep = True
        await report(Progress(Stage.DONE, 100, f"The new model is live. {verdict.reason}"))
        return TrainingResult(model, candidate, baseline, verdict, deployed=True)
    finally:
        if not keep:
            model.unlink(missing_ok=True)


async def _deploy(
    http: httpx.AsyncClient,
    rasa_urls: list[str],
    *,
    token: str | None,
    model: Path,
    live_model: Path,
) -> None:
    """Load `model` everywhere; on failure put `live_model` back where it may have replaced
    it. The DeployFailed raised names the servers left running `model` (none if put back)."""
    try:
        await load_into_rasa(http, rasa_urls, token=token, model_path=model)
    except DeployFailed as failed:
        if not failed.loaded:
            raise
        try:
            await load_into_rasa(http, failed.loaded, token=token, model_path=live_model)
        except DeployFailed as again:
            # Some server still runs the new model: its file must stay. Say so.
            raise DeployFailed(
                f"{failed.reason} Putting the live model back failed too: {again.reason}",
                loaded=failed.loaded,
            ) from again
        raise DeployFailed(
            f"{failed.reason} The live model was put back on {', '.join(failed.loaded)}.",
            loaded=[],
        ) from failed


def _model_file(out_dir: Path, name: str, *, live_model: Path | None = None) -> Path:
    """Where `rasa train` writes the model `name`, after checking it may."""
    if not _NAME.match(name):
        raise ValueError(f"not a model file name: {name!r}")
    model = out_dir / f"{name}.tar.gz"
    if live_model is not None and live_model.exists() and model.resolve() == live_model.resolve():
        raise ValueError(f"training {name!r} into {out_dir} would overwrite the live model")
    out_dir.mkdir(parents=True, exist_ok=True)
    return model


def _absolute(path: Path) -> str:
    return os.path.abspath(path)


# --- progress ----------------------------------------------------------------------------


@dataclass
class _Tracker:
    """One step's progress: lines of output read against the progress so far."""

    on_progress: OnProgress | None
    current: Progress
    _started: bool = field(default=False)

    async def begin(self) -> None:
        if self.on_progress is not None and not self._started:
            self._started = True
            await self.on_progress(self.current)

    async def line(self, text: str) -> None:
        found = parse_progress(text, self.current)
        if found is not None:
            self.current = found
            if self.on_progress is not None:
                await self.on_progress(found)


class _Monotonic:
    """Passes progress on only when it moves forward (steps start from their own stage)."""

    def __init__(self, on_progress: OnProgress) -> None:
        self._on_progress = on_progress
        self._last: Progress | None = None

    async def __call__(self, progress: Progress) -> None:
        last = self._last
        if last is not None:
            percent = max(progress.percent, last.percent)
            progress = Progress(progress.stage, percent, progress.message)
            if progress == last:
                return
        self._last = progress
        await self._on_progress(progress)


# --- words -------------------------------------------------------------------------------


def _listed(title: str, problems: Sequence[str]) -> str:
    return "\n".join([title, *(f"- {p}" for p in problems)])


def _last_lines(lines: list[str], count: int = 5) -> list[str]:
    """What a step printed last, when Rasa's output names no problem."""
    return [line.strip() for line in lines if line.strip()][-count:]


def _relative(text: str, project_dir: Path) -> str:
    return text.replace(str(project_dir) + os.sep, "")


def _rasa_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("error") or body.get("message") or "")[:300]
    except ValueError:
        return response.text[:300]
