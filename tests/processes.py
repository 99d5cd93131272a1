"""The platform as separate operating-system processes, for tests of several processes on
one database: `insight serve` and `insight worker` started as a person starts them."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a process on `database_url`, whose tokens name the test issuer."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSIGHT_")}
    env.update(
        {
            "INSIGHT_DATABASE_URL": database_url,
            "INSIGHT_DATA_DIR": str(data_dir),
            "INSIGHT_PUBLIC_URL": "http://testserver",
            "INSIGHT_INPROCESS_WORKER": "false",
            "INSIGHT_WEBHOOK_ALLOW_LOOPBACK": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"INSIGHT_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""
    _done: bool = field(default=False)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start(name: str, argv: list[str], env: dict[str, str], logs: Path) -> Process:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "app.cli", *argv],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Process(name, popen, log)


def serve(
    name: str, env: dict[str, str], logs: Path, *, wait: bool = True, workers: int = 1
) -> Process:
    """`insight serve` on a free loopback port (once it answers /healthz, with `wait`)."""
    port = free_port()
    process = start(name, ["serve", "--port", str(port), "--workers", str(workers)], env, logs)
    process.url = f"http://127.0.0.1:{port}"
    if wait:
        ready(process)
    return process


def ready(process: Process, timeout: float = 60) -> Process:
    """`process`, once it answers /healthz (an API) or has said it runs (a worker)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} stopped: {process.output()}")
        if process.url:
            try:
                if httpx.get(f"{process.url}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
        elif "Insight worker" in process.output():
            return process
        if time.monotonic() > deadline:
            process.stop(signal.SIGKILL)
            raise RuntimeError(f"{process.name} did not start: {process.output()}")
        time.sleep(0.1)


def work(
    name: str, env: dict[str, str], logs: Path, *, concurrency: int = 2, wait: bool = True
) -> Process:
    """`insight worker` (once it has said it runs, with `wait`)."""
    process = start(name, ["worker", "--concurrency", str(concurrency)], env, logs)
    return ready(process) if wait else process
