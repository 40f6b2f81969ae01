"""Start and stop gunicorn for one engine. The server runs in its own process group and is
stopped by its own PID only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    repo: Path, env: dict[str, str], port: int, log_path: Path, workers: int = 2
) -> subprocess.Popen:
    cmd = [
        str(repo / ".venv" / "bin" / "gunicorn"),
        "peyvand.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--keep-alive",
        "30",
    ]
    log = open(log_path, "w")  # noqa: SIM115 (the child owns it for its lifetime)
    proc = subprocess.Popen(
        cmd, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early, see {log_path}") from None
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"gunicorn did not start in 90 s, see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
