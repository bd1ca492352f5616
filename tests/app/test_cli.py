"""`backproplab`'s arguments, read without starting a server (uvicorn.run is replaced),
and the addresses it prints for students."""

from __future__ import annotations

import ipaddress
import os

import ifaddr
import pytest

from app import cli
from app.settings import env_flag, env_int, follow_urls

SET_BY_CLI = ("BACKPROPLAB_DEV", "BACKPROPLAB_WORKERS", "BACKPROPLAB_REDIS_URL", "BACKPROPLAB_PUBLIC_URL",
              "BACKPROPLAB_LAN_URLS")


@pytest.fixture
def runs(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    for name in SET_BY_CLI:
        monkeypatch.setenv(name, "")  # so that the test's end restores the variable…
        monkeypatch.delenv(name)  # …that the arguments set
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


def adapter(name: str, *ips) -> ifaddr.Adapter:
    return ifaddr.Adapter(name, name, [ifaddr.IP(ip, 24, name) for ip in ips])


A_LAPTOP = [adapter("lo", "127.0.0.1", ("::1", 0, 0)),
            adapter("wlan0", "10.0.3.17", ("fe80::1c2b:3dff:fe4e:5f60", 0, 3), ("2001:db8::17", 0, 0)),
            adapter("eth1", "192.168.1.20"), adapter("docker0", "169.254.0.9")]


def test_all_interfaces_print_every_address_students_can_reach(runs, capsys, monkeypatch):
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: A_LAPTOP)
    cli.main(["--host", "0.0.0.0", "--port", "8000"])
    out = capsys.readouterr().out
    assert out.splitlines() == ["backproplab running at http://127.0.0.1:8000/ on this machine  (Ctrl+C to stop)",
                                "students on this network open:",
                                "  http://10.0.3.17:8000/", "  http://192.168.1.20:8000/"]
    # the rooms' follow URLs use them (0.0.0.0 listens on IPv4 only: no IPv6 address)
    assert os.environ["BACKPROPLAB_LAN_URLS"] == "http://10.0.3.17:8000/ http://192.168.1.20:8000/"
    assert follow_urls() == ["http://10.0.3.17:8000/", "http://192.168.1.20:8000/"]


def test_both_stacks_print_ipv6_addresses_too(runs, capsys, monkeypatch):
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: A_LAPTOP)
    cli.main(["--host", "::", "--port", "8000"])
    assert "  http://[2001:db8::17]:8000/" in capsys.readouterr().out.splitlines()


def test_no_network_says_students_cannot_reach_it(runs, capsys, monkeypatch):
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: A_LAPTOP[:1])
    cli.main(["--host", "0.0.0.0"])
    assert "no network address found besides this machine's own" in capsys.readouterr().out


def test_this_machines_addresses_are_reachable_ones():
    found = [ipaddress.ip_address(a) for a in cli.lan_addresses()]
    assert all(not (a.is_loopback or a.is_link_local or a.is_unspecified) for a in found)
    assert found == sorted(found, key=lambda a: (a.version, a))
    every = {str(ip.ip if isinstance(ip.ip, str) else ip.ip[0]) for ad in ifaddr.get_adapters() for ip in ad.ips}
    assert {str(a) for a in found} <= every


def test_public_url_overrides_the_addresses(runs, capsys, monkeypatch):
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: A_LAPTOP)
    cli.main(["--host", "0.0.0.0", "--public-url", "https://lab.example.edu/backprop"])
    out = capsys.readouterr().out
    assert "students open https://lab.example.edu/backprop/" in out and "10.0.3.17" not in out
    assert follow_urls() == ["https://lab.example.edu/backprop/"]


def test_redis_and_workers_reach_the_settings(runs, capsys):
    cli.main(["--workers", "2", "--redis", "redis://redis:6379/0"])
    assert (os.environ["BACKPROPLAB_REDIS_URL"], os.environ["BACKPROPLAB_WORKERS"]) == ("redis://redis:6379/0", "2")
    assert "rooms are off" not in capsys.readouterr().out
    assert env_int("BACKPROPLAB_WORKERS", 1) == 2


def test_redis_url_from_the_environment(runs, monkeypatch):
    monkeypatch.setenv("BACKPROPLAB_REDIS_URL", "redis://cache:6380/1")
    assert cli.parse([]).redis == "redis://cache:6380/1"


def test_several_workers_without_redis_say_rooms_are_off(runs, capsys):
    cli.main(["--workers", "3"])
    assert "rooms are off: 3 processes need --redis URL to share them (pages work as usual)" in capsys.readouterr().out
    assert runs[0][1]["workers"] == 3


@pytest.mark.parametrize("argv", [["--redis", "localhost:6379"], ["--redis", "http://x"],
                                  ["--public-url", "lab.example.edu"], ["--public-url", "ftp://x/"],
                                  ["--public-url", "https://x/?a=1"], ["--public-url", "javascript:alert(1)"]])
def test_refused_room_arguments(runs, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2 and runs == []
    assert "error:" in capsys.readouterr().err
