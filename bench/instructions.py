"""Instructions per lockstep step of the 9-optimizer race, counted by valgrind.

    python bench/instructions.py              # this checkout
    python bench/instructions.py OTHER_DIR    # another checkout of the repository, to compare

Timings on a shared 2-core VM swing by 2× from minute to minute; an instruction count
does not (the same count twice, whatever else the machine is doing). The race of
bench_optimize.py (9 optimizers on rosenbrock from (−1.5, 2)) runs in process under
``valgrind --tool=callgrind`` for 100 and for 600 steps with a fixed hash seed; the
difference over 500 steps leaves out start-up (imports, parsing) and gives what one
lockstep step costs: one engine pass for all 9 points and one ``step`` call per kernel.
Needs valgrind (Debian: ``apt-get install -y valgrind``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RACE = """
import sys
sys.path.insert(0, sys.argv[1])
from engine.optimizers import OPTIMIZERS
from engine.runner import Run
try:  # a batch on a surface: surface_batch, or Batch itself in checkouts before the Objective protocol
    from engine.runner import surface_batch as make
except ImportError:
    from engine.runner import Batch as make
from engine.surfaces import SURFACES
lr = {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1, "rmsprop": 1e-3, "adam": 1e-2,
      "adamw": 1e-2, "rprop": 1e-2, "adadelta": 1.0}
runs = [Run(name, {"lr": lr[name]}) for name in OPTIMIZERS]
make(SURFACES["rosenbrock"].expression, [-1.5, 2.0], int(sys.argv[2]), runs, cpu_seconds=1e9).run()
"""


def instructions(checkout: Path, steps: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", RACE,
         str(checkout), str(steps)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"},  # no BLAS threads spinning
    ).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))


def main() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install -y valgrind)")
    checkout = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    per_step = (instructions(checkout, 600) - instructions(checkout, 100)) / 500
    print(f"{checkout}: {per_step:,.0f} instructions per lockstep step (9 optimizers, rosenbrock)")


if __name__ == "__main__":
    main()
