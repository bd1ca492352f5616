"""Every limit is defined once, in engine.limits: the schemas and routers import it."""

from __future__ import annotations

import re
from pathlib import Path

import engine.limits
from engine.limits import LIMITS as LIMIT_NAMES

ROOT = Path(__file__).resolve().parents[2]
LIMITS = [name for name in vars(engine.limits) if name.isupper() and name != "LIMITS"]


def sources(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != ROOT / "engine" / "limits.py":
                yield path.relative_to(ROOT), path.read_text()


def test_no_module_defines_a_limit_of_its_own():
    defined = [f"{path}: {name}" for path, text in sources("engine", "app") for name in LIMITS
               if re.search(rf"^\s*{name}\s*=", text, re.MULTILINE)]
    assert defined == []


def test_the_schemas_and_routers_write_no_upper_bound_as_a_number():
    literal = [f"{path}: {m.group(0)}" for path, text in sources("app")
               for m in re.finditer(r"\b(max_length|le|lt)=[\d.]", text)]
    assert literal == []


def test_every_limit_an_error_names_is_named_beside_its_value_in_engine_limits():
    """A `limit="name"` or "(limit name)" in the engine or the app names a limit defined in
    engine/limits.py, whose comment starts with that name, and served by GET /api/limits."""
    comment = r"^(?:#\s*|\w+ = [^#\n]+#\s*)([a-z_.]+)(?:[:,]|\s*$)"
    named = set(re.findall(comment, (ROOT / "engine" / "limits.py").read_text(), re.MULTILINE)) & set(LIMIT_NAMES)
    used = {name for _, text in sources("engine", "app")
            for pair in re.findall(r'limit="([a-z_]+)"|\(limit ([a-z_]+)\)', text) for name in pair if name}
    assert used and used <= named, sorted(used - named)


def test_the_limits_endpoint_serves_every_limit_by_name(client):
    """The pages read their bounds from GET /api/limits (docs/DESIGN.md), never from a copy."""
    served = client.get("/api/limits").json()
    assert served == LIMIT_NAMES
    assert (served["max_program_chars"], served["steps"], served["runs"], served["n"], served["depth"]) == (
        10_000, 10_000, 12, 1024, 200)
    assert all(type(v) is type(LIMIT_NAMES[k]) for k, v in served.items())  # 10000 stays an integer
    constants = {getattr(engine.limits, name) for name in LIMITS}
    assert set(LIMIT_NAMES.values()) <= constants
