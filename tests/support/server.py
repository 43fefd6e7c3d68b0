"""A real `python -m cs serve` process for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


TESTS_CLOCK_TOLERANCE = 10 * 365 * 86_400.0  # seconds


class ServerProcess:
    """Starts the server as a subprocess, waits until it is ready, stops it by signal."""

    def __init__(self, database_url: str, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "CS_DATABASE_URL": database_url,
            "CS_HOST": "127.0.0.1",
            "CS_PORT": str(self.port),
            "CS_NODE": f"test-node-{self.port}",
            "CS_API_AUTH": "off",  # explicit: tests of other features; pass CS_API_AUTH="on"
            # The builders' frames carry fixed times (2026-11-25): trust clocks for years
            # (tests of clock trust pass their own CS_CLOCK_TOLERANCE).
            "CS_CLOCK_TOLERANCE": str(TESTS_CLOCK_TOLERANCE),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cs", "serve"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            if self.health().get("status") == "ok":
                return self
            time.sleep(0.1)
        raise RuntimeError(f"server not ready within {timeout}s:\n{self.log()}")

    def health(self) -> dict[str, object]:
        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
                body: dict[str, object] = json.loads(response.read())
                return body
        except OSError:
            return {}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send `sig` and wait for the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def rest(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One REST call to `server` (JSON in and out): the status and the decoded body."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.base_url + path, json=body) as response,
    ):
        return response.status, await response.json()
