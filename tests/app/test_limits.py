"""Every limit is defined once, in engine.limits: the schemas and routers import it."""

from __future__ import annotations

import re
from pathlib import Path

import engine.limits

ROOT = Path(__file__).resolve().parents[2]
LIMITS = [name for name in vars(engine.limits) if name.isupper()]


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
    engine/limits.py, whose comment starts with that name."""
    comment = r"^(?:#\s*|\w+ = [^#\n]+#\s*)([a-z_.]+)(?:[:,]|\s*$)"
    named = set(re.findall(comment, (ROOT / "engine" / "limits.py").read_text(), re.MULTILINE))
    used = {name for _, text in sources("engine", "app")
            for pair in re.findall(r'limit="([a-z_]+)"|\(limit ([a-z_]+)\)', text) for name in pair if name}
    assert used and used <= named, sorted(used - named)
