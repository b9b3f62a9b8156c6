"""The local stack: a private Redis server, the fake Messenger platform, the app, a worker, Rasa
and its action server, each a real process. Used by `make run` and by the end-to-end tests.

    python -m scripts.stack run     # start everything, print where to look, stop on Ctrl-C
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
APP_PY = ROOT / ".venv-app" / "bin" / "python"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ports:
    redis: int
    app: int
    fake: int
    rasa: int
    actions: int

    @classmethod
    def defaults(cls) -> Ports:
        return cls(
            redis=int(os.environ.get("AGENT_LOCAL_REDIS_PORT", "6390")),
            app=int(os.environ.get("AGENT_PORT", "8000")),
            fake=int(os.environ.get("FAKE_PORT", "8081")),
            rasa=int(os.environ.get("RASA_PORT", "5005")),
            actions=int(os.environ.get("ACTIONS_PORT", "5055")),
        )

    @classmethod
    def free(cls) -> Ports:
        return cls(
            redis=free_port(),
            app=free_port(),
            fake=free_port(),
            rasa=free_port(),
            actions=free_port(),
        )


@dataclass
class Secrets:
    page_id: str
    app_secret: str
    verify_token: str
    page_token: str
    rasa_token: str
    instagram_account_id: str
    x_user_id: str
    x_consumer_secret: str
    x_user_token: str
    x_app_id: str
    crm_api_token: str  # the app's CRM API, called by the action server
    crisis_webhook_secret: str

    @classmethod
    def generate(cls) -> Secrets:
        return cls(
            page_id=str(100000000000000 + secrets.randbelow(899999999999999)),
            app_secret=secrets.token_hex(16),
            verify_token=secrets.token_urlsafe(16),
            page_token=secrets.token_urlsafe(32),
            rasa_token=secrets.token_hex(16),
            instagram_account_id=str(17841400000000000 + secrets.randbelow(99999999)),
            x_user_id=str(4000000000 + secrets.randbelow(999999999)),
            x_consumer_secret=secrets.token_hex(24),
            x_user_token=secrets.token_hex(24),
            x_app_id=str(10000000 + secrets.randbelow(89999999)),
            crm_api_token=secrets.token_urlsafe(32),
            crisis_webhook_secret=secrets.token_hex(16),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> Secrets:
        # Values added since the file was written are generated and saved with the old ones.
        stored = json.loads(path.read_text()) if path.exists() else {}
        merged = cls(**{**cls.generate().__dict__, **stored})
        if merged.__dict__ != stored:
            path.write_text(json.dumps(merged.__dict__, indent=2))
            path.chmod(0o600)
        return merged


@dataclass
class Stack:
    run_dir: Path
    ports: Ports
    secrets: Secrets
    database_url: str
    model: Path = MODEL
    # How often the app recomputes the dashboard and looks for crises (tests: seconds).
    insight_refresh_s: float = 60.0
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)

    @classmethod
    def ephemeral(cls, run_dir: Path) -> Stack:
        """A throwaway stack in `run_dir`: free ports, fresh secrets, its own SQLite file."""
        return cls(
            run_dir=run_dir,
            ports=Ports.free(),
            secrets=Secrets.generate(),
            database_url=f"sqlite:///{run_dir / 'agent.db'}",
            insight_refresh_s=2.0,
        )

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.app}"

    @property
    def fake_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.fake}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("AGENT_", "FAKE_", "ACTIONS_"))
        }
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "AGENT_DATABASE_URL": self.database_url,
                "AGENT_REDIS_URL": self.redis_url,
                "AGENT_RASA_URL": self.rasa_url,
                "AGENT_RASA_TOKEN": self.secrets.rasa_token,
                "AGENT_MESSENGER_PAGE_ID": self.secrets.page_id,
                "AGENT_INSTAGRAM_ACCOUNT_ID": self.secrets.instagram_account_id,
                "AGENT_X_USER_ID": self.secrets.x_user_id,
                "AGENT_X_CONSUMER_SECRET": self.secrets.x_consumer_secret,
                "AGENT_X_USER_TOKEN": self.secrets.x_user_token,
                "AGENT_X_APP_ID": self.secrets.x_app_id,
                "AGENT_X_API_BASE": self.fake_url,
                "AGENT_MESSENGER_APP_SECRET": self.secrets.app_secret,
                "AGENT_MESSENGER_VERIFY_TOKEN": self.secrets.verify_token,
                "AGENT_MESSENGER_PAGE_TOKEN": self.secrets.page_token,
                "AGENT_GRAPH_API_BASE": self.fake_url,
                "AGENT_CRM_API_TOKEN": self.secrets.crm_api_token,
                "AGENT_WORKER_BLOCK_MS": "200",
                "AGENT_WORKER_MAX_BACKOFF_S": "2",
                "AGENT_INSIGHT_REFRESH_S": str(self.insight_refresh_s),
                # Crisis alerts go to the fake server's hook receiver (see them at /_fake/hooks).
                "AGENT_CRISIS_WEBHOOK_URL": f"{self.fake_url}/_fake/hooks/crisis",
                "AGENT_CRISIS_WEBHOOK_SECRET": self.secrets.crisis_webhook_secret,
                "FAKE_PAGE_ID": self.secrets.page_id,
                "FAKE_APP_SECRET": self.secrets.app_secret,
                "FAKE_PAGE_TOKEN": self.secrets.page_token,
                "FAKE_VERIFY_TOKEN": self.secrets.verify_token,
                "FAKE_WEBHOOK_URL": f"{self.app_url}/webhooks/messenger",
                "FAKE_INSTAGRAM_ACCOUNT_ID": self.secrets.instagram_account_id,
                "FAKE_INSTAGRAM_WEBHOOK_URL": f"{self.app_url}/webhooks/instagram",
                "FAKE_X_USER_ID": self.secrets.x_user_id,
                "FAKE_X_CONSUMER_SECRET": self.secrets.x_consumer_secret,
                "FAKE_X_USER_TOKEN": self.secrets.x_user_token,
                "FAKE_X_WEBHOOK_URL": f"{self.app_url}/webhooks/x",
                "FAKE_PORT": str(self.ports.fake),
                # The action server asks the app's CRM API.
                "ACTIONS_CRM_URL": f"{self.app_url}/crm/v1",
                "ACTIONS_CRM_TOKEN": self.secrets.crm_api_token,
                "ACTIONS_PORT": str(self.ports.actions),
                # Read by endpoints.yml inside the Rasa process.
                "AGENT_NLG_URL": f"{self.app_url}/nlg",
                "AGENT_ACTIONS_URL": f"{self.actions_url}/webhook",
                "RASA_REDIS_HOST": "127.0.0.1",
                "RASA_REDIS_PORT": str(self.ports.redis),
            }
        )
        return env

    # --- processes -----------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> None:
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        log = open(self.run_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (kept open)
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_redis(self) -> None:
        data = self.run_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server not found: run scripts/setup.sh")
        # Append-only file: a Redis restart keeps the inbound stream and dedup keys.
        self._spawn(
            "redis",
            [
                server,
                "--port",
                str(self.ports.redis),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
        )
        self._wait(lambda: _redis_ping(self.ports.redis), "redis", 15)

    def migrate(self) -> None:
        """The schema, then the demo brand's staff and CRM records where missing."""
        for command in ("migrate", "seed-demo"):
            subprocess.run(
                [str(APP_PY), "-m", "agent", command], cwd=ROOT, env=self.env(), check=True
            )

    def start_fake(self) -> None:
        self._spawn("fake-messenger", [str(APP_PY), "-m", "connectors.fakes.messenger"])
        self._wait(lambda: _http_ok(f"{self.fake_url}/healthz"), "fake-messenger", 30)

    def start_app(self, name: str = "app", port: int | None = None) -> str:
        """An app process (`port`: another one beside the main app); its URL."""
        port = port or self.ports.app
        self._spawn(
            name,
            [
                str(APP_PY),
                "-m",
                "uvicorn",
                "agent.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
        )
        url = f"http://127.0.0.1:{port}"
        # The app loads its signal model (a few seconds, more while Rasa loads) before serving.
        self._wait(lambda: _http_up(f"{url}/healthz"), name, 120)
        return url

    def start_worker(self, name: str = "worker") -> None:
        self._spawn(name, [str(APP_PY), "-m", "agent", "worker"])

    def start_rasa(self, wait: bool = True) -> None:
        if not self.model.exists():
            raise RuntimeError(f"no trained model at {self.model}: run scripts/train.sh")
        self._spawn(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                # One argument: a token may begin with "-".
                f"--auth-token={self.secrets.rasa_token}",
                "--model",
                str(self.model),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "-i",
                "127.0.0.1",
                "--port",
                str(self.ports.rasa),
            ],
        )
        if wait:
            self.wait_rasa()

    def start_actions(self) -> None:
        """The action server (Rasa env): custom actions that look orders up in the CRM."""
        self._spawn("actions", [str(RASA_PY), "-m", "actions"])
        self._wait(lambda: _http_ok(f"{self.actions_url}/health"), "actions", 60)

    def wait_rasa(self, timeout: float = 240) -> None:
        url = f"{self.rasa_url}/status?token={self.secrets.rasa_token}"
        self._wait(lambda: _rasa_loaded(url), "rasa", timeout)

    def start_all(self) -> None:
        self.start_redis()
        self.migrate()
        self.start_fake()
        self.start_rasa(wait=False)
        self.start_actions()
        self.start_app()
        self.start_worker()
        self.wait_rasa()

    def stop(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log = self.logs.pop(name, None)
        if log:
            log.close()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.run_dir / "logs" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait(self, ready: object, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.log_tail(name)}")
            if ready():  # type: ignore[operator]
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready after {timeout:.0f} s:\n{self.log_tail(name)}")


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _http_up(url: str) -> bool:
    try:
        httpx.get(url, timeout=2.0)
        return True
    except httpx.HTTPError:
        return False


def _rasa_loaded(url: str) -> bool:
    try:
        response = httpx.get(url, timeout=2.0)
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False


def run() -> None:
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    stack = Stack(
        run_dir=run_dir,
        ports=Ports.defaults(),
        secrets=Secrets.load_or_create(run_dir / "demo-secrets.json"),
        database_url=os.environ.get("AGENT_DATABASE_URL", f"sqlite:///{run_dir / 'agent.db'}"),
    )
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print(
            "==> starting Redis, the fake Messenger platform, Rasa and its action server,"
            " the app and a worker"
        )
        print(f"    logs: {run_dir / 'logs'}  (Rasa takes about a minute to load its model)")
        stack.start_all()
        subscribed = httpx.post(f"{stack.fake_url}/_fake/subscribe", timeout=10).json()
        print(
            f"""
Ready.
  Customer simulator (Messenger, Instagram, X):        {stack.fake_url}/
  App (webhooks, NLG endpoint, health):                {stack.app_url}/healthz
  Rasa:                                                {stack.rasa_url}
  Action server (order lookups):                       {stack.actions_url}/health
  Agent console (demo logins in README, tsuyu-demo):   {stack.app_url}/console
  Insight dashboard (analyst mei@tsuyu.example):       {stack.app_url}/console/insight
  FAQ studio (sora@ edits, grace@ approves):           {stack.app_url}/console/studio
  Crisis alert webhook deliveries (fake receiver):     {stack.fake_url}/_fake/hooks
  Webhook verification handshake: {"ok" if subscribed.get("verified") else "FAILED"}
Press Ctrl-C to stop.""",
            flush=True,
        )
        while not stopping:
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None:
                    print(f"{name} stopped unexpectedly:\n{stack.log_tail(name)}", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("==> stopping")
        stack.stop_all()


if __name__ == "__main__":
    if sys.argv[1:] != ["run"]:
        sys.exit("usage: python -m scripts.stack run")
    run()
