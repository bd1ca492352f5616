"""Forward + backward of an MLP 784-256-10 (ReLU, cross-entropy), batch 256, float64:
the engine against the same computation written by hand in NumPy, and PyTorch eager.

    python bench/bench_mlp.py          # prints a Markdown table (best of 30, one BLAS thread each)

Every version computes the same numbers: the loss, and the gradient of every leaf (the
weights, the biases, the input X and the one-hot targets T), checked against each other
before timing. One BLAS thread each, so the figures compare the code around the matmuls,
not how many cores the machine lends the BLAS.
"""

from __future__ import annotations

import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # before NumPy or torch load their BLAS

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import parse_program

PROGRAM = """
W1 = param(he(784, 256, seed=1))
b1 = param(zeros(256))
W2 = param(glorot(256, 10, seed=2))
b2 = param(zeros(10))
H = relu(X @ W1 + b1)
Z = H @ W2 + b2
loss = cross_entropy(Z, T)
"""
N, D, HIDDEN, C = 256, 784, 256, 10
REPEAT = 30


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, D))
    T = np.eye(C)[rng.integers(0, C, N)]
    return X, T


def best_ms(fn) -> float:
    fn()  # warm up
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def engine_pass(graph):
    def run():
        graph.forward()
        return graph.backward()

    return run


def numpy_pass(X, T, W1, b1, W2, b2):
    """The same forward and backward written out: the gradients of every leaf."""

    def run():
        A = X @ W1 + b1
        H = np.maximum(A, 0.0)
        Z = H @ W2 + b2
        shifted = Z - Z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -np.sum(T * log_p) / N
        dZ = (np.exp(log_p) * T.sum(axis=1, keepdims=True) - T) / N
        dT = -log_p / N
        dW2 = H.T @ dZ
        db2 = dZ.sum(axis=0)
        dA = (dZ @ W2.T) * (A > 0)
        dW1 = X.T @ dA
        db1 = dA.sum(axis=0)
        dX = dA @ W1.T
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX, "T": dT}

    return run


def torch_pass(X, T, W1, b1, W2, b2):
    import torch

    torch.set_num_threads(1)
    leaves = {name: torch.tensor(v, requires_grad=True) for name, v in
              {"X": X, "T": T, "W1": W1, "b1": b1, "W2": W2, "b2": b2}.items()}

    def run():
        for leaf in leaves.values():
            leaf.grad = None
        Z = torch.relu(leaves["X"] @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
        loss = -(leaves["T"] * torch.log_softmax(Z, dim=1)).sum() / N
        loss.backward()
        return loss.item(), {name: leaf.grad.numpy() for name, leaf in leaves.items()}

    return run


def main() -> None:
    X, T = data()
    graph = parse_program(PROGRAM, inputs={"X": X, "T": T})
    weights = {n: graph.by_id[n].value for n in ("W1", "b1", "W2", "b2")}
    graph.forward()
    want = graph.backward()
    rows = [("engine (forward + backward)", engine_pass(graph))]
    rows.append(("hand-written NumPy", numpy_pass(X, T, **weights)))
    try:
        rows.append(("PyTorch eager (float64)", torch_pass(X, T, **weights)))
    except ImportError:
        print("(torch is not installed: its row is left out)")
    for name, run in rows[1:]:
        loss, grads = run()
        assert abs(loss - float(graph.output.value)) <= 1e-12 * abs(loss)
        for leaf, grad in grads.items():
            np.testing.assert_allclose(grad, want[leaf], rtol=1e-9, atol=1e-15, err_msg=f"{name}: {leaf}")
    times = [(name, best_ms(run)) for name, run in rows]
    engine_ms = times[0][1]
    print(f"MLP {D}-{HIDDEN}-{C}, ReLU, cross-entropy, batch {N}, float64; best of {REPEAT}, one BLAS thread\n")
    print("| version | ms | engine ÷ this |")
    print("|---|---:|---:|")
    for name, ms in times:
        print(f"| {name} | {ms:.2f} | {engine_ms / ms:.2f}× |")


if __name__ == "__main__":
    main()
