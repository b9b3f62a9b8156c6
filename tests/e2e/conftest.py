"""The whole stack as real processes: private Redis, fake Messenger, Rasa (trained from this
repo), the app and a worker. Started once per test session."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.faq.voice import DEFAULT_VOICE_PATH, VoiceProfile, apply_voice, load_voice_profile
from agent.nlg.responses import Responses, load_responses
from scripts.stack import ROOT, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Trains only when the training data changed since the last model (fingerprinted).
    subprocess.run([str(ROOT / "scripts" / "train.sh")], check=True)
    run_dir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack.ephemeral(run_dir)
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop_all()


class BrandReplies:
    """The brand's responses as a customer gets them: `render` is the answer alone (every
    reply after the first), `first` the first reply of a conversation with the brand voice's
    greeting and sign-off (agent/faq/voice.py), as the NLG endpoint sends it."""

    def __init__(self, responses: Responses, voice: VoiceProfile) -> None:
        self.responses = responses
        self.voice = voice

    def render(self, name: str, language: str) -> str | None:
        return self.responses.render(name, language)

    def first(
        self, name: str, language: str, channel: str = "messenger", *, upset: bool = False
    ) -> str:
        text = self.responses.render(name, language)
        assert text is not None, name
        return self.voiced(text, language, channel, upset=upset)

    def voiced(
        self, text: str, language: str, channel: str = "messenger", *, upset: bool = False
    ) -> str:
        return apply_voice(
            text,
            profile=self.voice,
            language=language,
            channel=channel,
            first_reply=True,
            upset=upset,
        )


@pytest.fixture(scope="session")
def responses() -> BrandReplies:
    return BrandReplies(load_responses(ROOT / "domain.yml"), load_voice_profile(DEFAULT_VOICE_PATH))


class Customer:
    """A Messenger customer writing through the fake platform."""

    def __init__(self, stack: Stack, psid: str) -> None:
        self.stack = stack
        self.psid = psid

    def says(self, text: str, duplicates: int = 0, channel: str = "messenger") -> dict[str, Any]:
        response = httpx.post(
            f"{self.stack.fake_url}/_fake/customers/{self.psid}/messages",
            json={"text": text, "duplicates": duplicates, "channel": channel},
            timeout=30,
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        assert all(status == 200 for status in data["webhook_statuses"]), data
        return data

    def replies(self) -> list[str]:
        thread = httpx.get(f"{self.stack.fake_url}/_fake/threads/{self.psid}", timeout=10).json()
        return [item["text"] for item in thread if item["direction"] == "out"]

    def wait_replies(self, count: int, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.replies()
            if len(replies) >= count:
                return replies
            time.sleep(0.1)
        raise AssertionError(
            f"expected {count} replies, got {self.replies()}\n"
            f"worker log:\n{self.stack.log_tail('worker')}"
        )


_next_psid = [7100000000000000]


@pytest.fixture
def customer(stack: Stack) -> Customer:
    _next_psid[0] += 1
    return Customer(stack, str(_next_psid[0]))
