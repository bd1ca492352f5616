"""GET /api/rooms/{code}/qr.svg: the follow URL as a QR code, read back module by module."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import segno
from fastapi.testclient import TestClient

from app.main import create_app
from app.rooms import Rooms, store_for
from tests.app.rooms_support import Room

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def modules(svg: bytes) -> list[list[bool]]:
    """The dark modules segno's one path draws: `M`/`m` move, `h N` paints N modules of the row (y + 0.5)."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    grid = [[False] * size for _ in range(size)]
    (path,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "qrline"]  # the other is the white ground
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.get("d")):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command in "Mm":
            x, y = (numbers[0], numbers[1]) if command == "M" else (x + numbers[0], y + numbers[1])
        else:
            for column in range(int(x), int(x + numbers[0])):
                grid[int(y)][column] = True
            x += numbers[0]
    return grid


def reference(url: str) -> list[list[bool]]:
    """segno's own matrix for ``url`` (error correction M) inside a two-module quiet zone."""
    matrix = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
    side = len(matrix) + 4
    return [[False] * side] * 2 + [[False] * 2 + row + [False] * 2 for row in matrix] + [[False] * side] * 2


def test_the_qr_code_is_the_rooms_follow_url(client):
    room = Room(client)
    r = client.get(f"/api/rooms/{room.code.lower()}/qr.svg")  # a code in any case, as students type it
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    follow_url = room.created["follow_url"]
    assert follow_url == f"{client.base_url}/?room={room.code}"
    assert modules(r.content) == reference(follow_url)
    # Black on white whatever the page's theme; sized by the page (no width or height of its own).
    root = ET.fromstring(r.content)
    assert root.get("width") is None and root.get("height") is None
    assert 'stroke="#000"' in r.text and 'fill="#fff"' in r.text


def test_a_public_url_is_the_one_encoded(client):
    client.app.state.rooms = Rooms(store_for(None, 1), ["https://lab.example.org/lecture"])
    room = Room(client)
    assert room.created["follow_url"] == f"https://lab.example.org/lecture/?room={room.code}"
    assert modules(client.get(f"/api/rooms/{room.code}/qr.svg").content) == reference(room.created["follow_url"])


def test_unknown_and_malformed_codes_are_404(client):
    for code in ("ZZZZZZ", "not-a-code", "A" * 300):
        r = client.get(f"/api/rooms/{code}/qr.svg")
        assert r.status_code == 404, code
        assert "no room" in r.json()["detail"]["message"]


def test_an_ended_rooms_code_has_no_qr(client):
    room = Room(client)
    assert client.get(f"/api/rooms/{room.code}/qr.svg").status_code == 200
    room.end()
    assert client.get(f"/api/rooms/{room.code}/qr.svg").status_code == 404
