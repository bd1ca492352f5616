"""Every parse goes through engine.parsing's lock (CPython's ast.parse is not thread-safe)."""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine import ProgramError, parse_program
from engine.presets import PRESETS
from engine.surfaces import SURFACES, grid

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_but_engine_parsing_calls_ast_parse():
    callers = [
        str(path.relative_to(ROOT))
        for folder in ("engine", "app")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\bast\.parse\(|from ast import[^\n]*\bparse\b", path.read_text())
    ]
    assert callers == ["engine/parsing.py"]


def test_parsing_from_many_threads_gives_only_the_expected_results():
    """Sixteen threads parse programs and surfaces at once, over and over: every result is
    the one a lone parse gives (the unlocked ast.parse could raise SystemError here)."""
    programs = [p.program for p in PRESETS.values()]
    deep = "x = input(1.0)\ny = " + "(" * 90 + "x" + ")" * 90  # deep nesting stresses the counter
    expected = {text: parse_program(text).backward() for text in [*programs, deep]}
    surfaces = list(SURFACES.values())[:4]
    grids = {s.id: grid(s.expression, s.domain, 8)["z"] for s in surfaces}
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(40):
                text = [*expected][rng.integers(len(expected))]
                got = parse_program(text).backward()
                for name, grad in expected[text].items():
                    np.testing.assert_array_equal(got[name], grad)
                s = surfaces[rng.integers(len(surfaces))]
                np.testing.assert_array_equal(grid(s.expression, s.domain, 8)["z"], grids[s.id])
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]


def test_pythons_syntax_warnings_are_not_a_students_business():
    """`1e308x` makes CPython warn ("invalid decimal literal") before failing: the student
    gets the error with line and column, and nothing is printed or raised as a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ProgramError) as err:
            parse_program("x = 1e308x")
    assert err.value.line == 1
