"""What the HTTP benchmarks share: the app in a subprocess on a free port of 127.0.0.1,
and a process's CPU seconds and memory from /proc (the server's own cost, beside wall
times), for one process or for a server's whole process tree (uvicorn's workers are its
children)."""

from __future__ import annotations

import os
import signal
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
    # The server's own output goes to stderr: stdout is the benchmark's (tables or JSON).
    proc = subprocess.Popen([sys.executable, *command, str(port)], cwd=ROOT, stdout=sys.stderr)
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


def serve_workers(workers: int = 1) -> tuple[subprocess.Popen, str]:
    """The app as a lecturer starts it, `backproplab --workers N --port P`, from this
    checkout. Returns once the workers have started and gone idle, so their start-up CPU
    is not counted as load."""
    command = ["-m", "app.cli", "--workers", str(workers), "--port"]
    proc, url = serve(*command)
    deadline = time.monotonic() + 60
    # uvicorn runs one worker in its own process; N > 1 are children of a supervisor.
    while len(tree_pids(proc.pid)) < (workers + 1 if workers > 1 else 1) and time.monotonic() < deadline:
        time.sleep(0.1)
    before = tree_cpu_seconds(proc.pid)
    while time.monotonic() < deadline:  # idle: under 20 ms of CPU in half a second
        time.sleep(0.5)
        now = tree_cpu_seconds(proc.pid)
        if now - before < 0.02:
            break
        before = now
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started here and every process under it (by their ids)."""
    pids = tree_pids(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if proc.poll() is None:
        proc.wait(timeout=5)


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:  # the process has just ended
                continue
            ppid = int(text[text.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        found.append(current := todo.pop())
        todo.extend(children.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its descendants, including children they have
    already reaped (cutime + cstime), so the sum never goes down when a worker restarts."""
    ticks = 0
    for each in tree_pids(pid):
        try:
            text = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_kib(pids: list[int]) -> tuple[int, int]:
    """(resident now, sum of each process's peak resident) in KiB over `pids` (VmRSS, VmHWM
    from /proc/PID/status). Over a process tree, the sum of peaks bounds its peak from above."""
    rss = hwm = 0
    for each in pids:
        try:
            lines = Path(f"/proc/{each}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm += int(line.split()[1])
    return rss, hwm
