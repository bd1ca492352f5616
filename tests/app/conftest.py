"""Fixtures of the API tests."""

from __future__ import annotations

import anyio.to_thread
import pytest


@pytest.fixture
def hops(monkeypatch):
    """Counts every hop to the thread pool (Starlette's and FastAPI's go through anyio's run_sync)."""
    count = [0]
    real = anyio.to_thread.run_sync

    async def counting(*args, **kwargs):
        count[0] += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return count
