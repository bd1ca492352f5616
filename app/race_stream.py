"""A race as server-sent events: the batch (engine.runner) advanced a chunk at a time,
each chunk's new points sent as ``step`` events, an ``end`` per run, then ``done``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine import budget
from engine.errors import InputError
from engine.runner import Batch, Noise, Objective, Run, surface_batch

__all__ = ["default_chunk", "race_events"]


def default_chunk(steps: int) -> int:
    """Iterations per streamed batch of points: about 20–40 events per run."""
    return min(250, max(25, steps // 20))


def race_events(
    expression: str | Objective, start, steps: int, runs: Sequence[Run], noise: Noise | None = None,
    chunk: int | None = None,
) -> Iterator[tuple[str, dict]]:
    """The race as events: ``step`` {run, t, points, lr, effective_lr, gradient} (run k's values from
    index t on), ``end`` {run, label, status, stopped_at} once per run, then ``done``.

    Set-up errors (a bad expression, parameter or start) are raised here, before any
    event; the loop itself runs only as the events are iterated.
    """
    with budget.scope():  # the batch keeps this budget for its steps, which run as the events are read
        batch = surface_batch(expression, start, steps, runs, noise)
    return _events(batch, chunk or default_chunk(steps))


def _events(batch: Batch, chunk: int) -> Iterator[tuple[str, dict]]:
    sent = [0] * batch.K
    ended = [False] * batch.K
    try:
        for _ in batch.advance(chunk):
            for k in range(batch.K):
                if ended[k]:
                    continue
                n_points, n_lr = batch.known(k)
                if n_points > sent[k] or n_lr > sent[k]:
                    yield "step", {"run": k, "t": sent[k], **batch.slices(k, sent[k])}
                    sent[k] = n_points
                if batch.ended(k):
                    ended[k] = True
                    yield "end", batch.summary(k)
    except InputError as exc:  # the CPU limit, met half-way
        yield "error", {"detail": exc.detail()}
        return
    yield "done", {"runs": [batch.summary(k) for k in range(batch.K)]}
