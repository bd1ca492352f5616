"""compose.yaml's promises, read from the file (no Docker engine needed): the app in two
processes with its rooms in the compose file's Redis, which is healthy before the app
starts and keeps its data across restarts; and the arguments it gives are ones
`backproplab` takes."""

from __future__ import annotations

from pathlib import Path

import yaml

from app import cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_app_runs_two_workers_with_the_compose_redis():
    app = COMPOSE["services"]["app"]
    assert app["build"] == "."
    args = cli.parse(app["command"][1:])
    assert app["command"][0] == "backproplab"
    assert (args.host, args.port, args.workers, args.redis) == ("0.0.0.0", 8000, 2, "redis://redis:6379/0")
    assert app["ports"] == ["8000:8000"]
    assert app["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert "BACKPROPLAB_PUBLIC_URL" in app["environment"]


def test_redis_is_checked_and_keeps_its_rooms():
    redis = COMPOSE["services"]["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert redis["volumes"] == ["redis-data:/data"] and "redis-data" in COMPOSE["volumes"]
    assert "ports" not in redis  # only the app reaches it
