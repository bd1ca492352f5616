"""`backproplab`'s arguments, read without starting a server (uvicorn.run is replaced)."""

from __future__ import annotations

import os

import pytest

from app import cli
from app.settings import env_flag


@pytest.fixture
def runs(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("BACKPROPLAB_DEV", "0")  # so that the test's end restores the variable…
    monkeypatch.delenv("BACKPROPLAB_DEV")  # …that --dev sets
    return calls


def test_defaults_one_process_on_this_machine_only(runs, capsys):
    cli.main([])
    assert runs == [(("app.main:app",), {"host": "127.0.0.1", "port": 8000, "workers": 1, "log_level": "warning"})]
    assert capsys.readouterr().out == "backproplab running at http://127.0.0.1:8000/  (Ctrl+C to stop)\n"


def test_workers_host_and_port(runs, capsys):
    cli.main(["--workers", "4", "--host", "0.0.0.0", "--port", "9001"])
    (args, kwargs), = runs
    assert args == ("app.main:app",)  # an import string: each worker process imports the app itself
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("0.0.0.0", 9001, 4)
    assert "http://127.0.0.1:9001/" in capsys.readouterr().out  # all interfaces: shown as this machine's URL


def test_dev_sets_the_environment_the_settings_read(runs):
    cli.main(["--dev"])
    assert os.environ["BACKPROPLAB_DEV"] == "1" and env_flag("BACKPROPLAB_DEV")
    assert runs[0][1]["workers"] == 1


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--workers", "-2"], ["--workers", "two"],
                                  ["--dev", "--workers", "2"]])
def test_refused_arguments_exit_with_a_message(runs, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2 and runs == []
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "on"), [("1", True), ("yes", True), ("true", True), ("", False), ("0", False),
                                           ("false", False), ("No", False)])
def test_env_flag(monkeypatch, value, on):
    monkeypatch.setenv("BACKPROPLAB_DEV", value)
    assert env_flag("BACKPROPLAB_DEV") is on
