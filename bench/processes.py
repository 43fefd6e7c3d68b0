"""Starting the servers under test and measuring their processes."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_json(url: str, timeout: float = 2.0) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            body: dict[str, Any] = json.loads(response.read())
            return body
    except (OSError, ValueError):
        return {}


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


@dataclass
class Server:
    """A server process under test (ours or the baseline)."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    postgres_data: Path | None = None  # embedded PostgreSQL data dir, if any
    external_postgres: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Server:
        log = self.log_path.open("ab")
        cores: set[int] | None = self.extra.get("cores")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=log,
            # The server's children (projections, its embedded PostgreSQL) inherit it.
            preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            if get_json(self.url + "/health").get("status") == "ok":
                return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {timeout}s: see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def health(self) -> dict[str, Any]:
        return get_json(self.url + "/health")

    def main_process(self) -> psutil.Process:
        assert self.process is not None
        return psutil.Process(self.process.pid)

    def child_processes(self, command: str) -> list[psutil.Process]:
        """The server's children running `cs <command>` (project, relay)."""
        try:
            children = self.main_process().children(recursive=True)
        except psutil.Error:
            return []
        return [c for c in children if c.cmdline()[-1:] == [command]]

    def postgres_processes(self) -> list[psutil.Process]:
        if self.postgres_data is not None:
            pid_file = self.postgres_data / "postmaster.pid"
            try:
                postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
                return [postmaster, *postmaster.children(recursive=True)]
            except (OSError, ValueError, psutil.Error):
                return []
        if self.external_postgres:
            return [
                p
                for p in psutil.process_iter(["name"])
                if p.info["name"] in ("postgres", "postmaster")
            ]
        return []

    def rss_mb(self) -> float:
        try:
            return self.main_process().memory_info().rss / 2**20
        except psutil.Error:
            return 0.0


def run_simulator(
    url: str, out: Path, *, cores: str | None = None, **options: Any
) -> dict[str, Any]:
    """Run `python -m cs sim` in its own process (on `cores`, e.g. "1", if given);
    returns its JSON summary, with the CPU seconds the simulator itself used
    (`simulator_cpu_seconds`)."""
    command = [sys.executable, "-m", "cs", "sim", "--url", url, "--json", str(out)]
    if cores is not None:
        command = ["taskset", "-c", cores, *command]
    for key, value in options.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary: dict[str, Any] = json.loads(out.read_text())
    summary["simulator_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    return summary
