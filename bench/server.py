"""What the HTTP benchmarks share: the app in a subprocess on a free port of 127.0.0.1,
and a process's CPU seconds from /proc (the server's own cost, beside wall times)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.browser.harness import free_port

ROOT = Path(__file__).resolve().parent.parent


def serve(*command: str) -> tuple[subprocess.Popen, str]:
    """Run `python COMMAND… PORT` from the repository (the port is appended) and wait until
    /api/health answers; returns the process and the base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, *command, str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads), from /proc/PID/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
