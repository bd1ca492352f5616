"""Time the trace of each preset: parse + forward + backward + JSON, in process and over HTTP.

    python bench/bench_trace.py            # prints a Markdown table

The issue's target: the `mlp` preset's trace (forward + backward + JSON) under 20 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from app.main import create_app
from app.responses import dumps
from engine import PRESETS, parse_program, trace


def median_ms(fn, repeat: int = 50) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    client = TestClient(create_app())
    print("| preset | nodes | engine + JSON (ms) | POST /api/graph/trace (ms) |")
    print("|---|---:|---:|---:|")
    for pid, preset in PRESETS.items():
        nodes = len(parse_program(preset.program).nodes)
        engine_ms = median_ms(lambda p=preset: dumps(trace(parse_program(p.program))))
        http_ms = median_ms(lambda i=pid: client.post("/api/graph/trace", json={"preset": i}).raise_for_status())
        print(f"| {pid} | {nodes} | {engine_ms:.2f} | {http_ms:.2f} |")


if __name__ == "__main__":
    main()
