"""The container image's promises, read from the Dockerfile (no Docker engine needed): a slim
base, multi-stage with only the wheel in the final stage, a non-root user, a health check
on /api/health, a server that listens on all interfaces, and a build context that lets in
exactly what the builder copies."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each from its FROM on."""
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions((ROOT / "Dockerfile").read_text()):
        if instruction[0] == "FROM":
            found.append([])
        assert found, "an instruction before the first FROM"
        found[-1].append(instruction)
    return found


def args(stage: list[tuple[str, str]], word: str) -> list[str]:
    return [rest for name, rest in stage if name == word]


@pytest.fixture(scope="module")
def final() -> list[tuple[str, str]]:
    return stages()[-1]


def test_multi_stage_on_the_slim_python_base():
    built = stages()
    assert len(built) >= 2
    for stage in built:
        image = stage[0][1].split()[0]
        assert image.startswith("python:3.11-slim"), image


def test_final_stage_installs_only_the_builders_wheel(final):
    copies = args(final, "COPY")
    assert copies and all(c.startswith("--from=builder ") for c in copies), copies
    runs = " ".join(args(final, "RUN"))
    assert "pip install --only-binary=:all:" in runs and ".whl" in runs
    for tool in ("apt-get", "apt ", "gcc", "build-essential", "pip wheel", "pip download"):
        assert tool not in runs, f"{tool!r} in the final stage"


def test_final_stage_runs_as_a_non_root_user(final):
    users = args(final, "USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    names = [name for name, _ in final]
    assert names.index("USER") < names.index("CMD")


def test_the_server_listens_on_all_interfaces_on_the_exposed_port(final):
    command = json.loads(args(final, "CMD")[-1])  # exec form: the server is PID 1 and gets SIGTERM
    assert command[0] == "backproplab"
    flags = dict(zip(command[1::2], command[2::2]))
    assert flags["--host"] == "0.0.0.0"
    assert args(final, "EXPOSE") == [flags["--port"]]
    usage = subprocess.run([sys.executable, "-m", "app.cli", "--help"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, check=True).stdout
    assert all(flag in usage for flag in flags)


def test_health_check_asks_api_health_with_python_alone(final):
    (check,) = args(final, "HEALTHCHECK")
    command = json.loads(check[check.index("CMD ") + 4:])
    assert command[:2] == ["python", "-c"]
    compile(command[2], "<healthcheck>", "exec")  # the quoting survived
    port = json.loads(args(final, "CMD")[-1])[-1]
    assert f"http://127.0.0.1:{port}/api/health" in command[2]


def test_builder_copies_everything_the_wheel_is_built_from():
    builder = stages()[0]
    copied = set()
    for rest in args(builder, "COPY"):
        copied.update(part.rstrip("/") for part in rest.split()[:-1] if not part.startswith("--"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["packages"], *wheel["force-include"]}
    assert needed <= copied, needed - copied
    assert all((ROOT / path).exists() for path in copied)


def test_build_context_is_an_allowlist_of_what_the_builder_copies():
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"  # .venv, .git, tests, docs, bench… stay out
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for rest in args(stages()[0], "COPY"):
        copied.update(part.rstrip("/") for part in rest.split()[:-1] if not part.startswith("--"))
    assert allowed == copied
    assert "**/__pycache__" in rules
