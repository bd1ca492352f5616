"""The lecture's computational graphs, as program texts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    description: str
    program: str


def _deep_linear(depth: int = 10) -> str:
    lines = [
        "# y = W(L) ... W(2) W(1) x with every W = 2I (lecture: vanishing/exploding gradients)",
        "x = input([1.0, 1.0])",
    ]
    previous = "x"
    for layer in range(1, depth + 1):
        lines.append(f"W{layer} = param(2 * eye(2))")
        lines.append(f"h{layer} = W{layer} @ {previous}")
        previous = f"h{layer}"
    lines.append(f"loss = sum({previous})")
    return "\n".join(lines) + "\n"


PRESETS: dict[str, Preset] = {
    p.id: p
    for p in [
        Preset(
            "mul",
            "z = xy",
            "The smallest graph in the lecture: one × node. Going forward, z = xy. Going back, "
            "the local gradient of a product with respect to one factor is the other factor, so "
            "∂z/∂x = y and ∂z/∂y = x: the gradient arriving at z is multiplied by the other input.",
            "# Computational graph example 1: z = xy\nx = input(3.0)\ny = input(-2.0)\nz = x * y\n",
        ),
        Preset(
            "logreg",
            "Logistic regression",
            "y = sigmoid(wᵀx + b) with a binary cross-entropy loss against the target t. Each node "
            "is one operation: the dot product, the bias add, the sigmoid and the loss. Stepping "
            "back shows the sigmoid's local gradient y(1 − y) meeting the loss's, which combine to "
            "the familiar ∂loss/∂w = (y − t)x and ∂loss/∂b = y − t.",
            "# Computational graph example 2: y = sigmoid(w^T x + b)\n"
            "x = input([1.0, 2.0])\n"
            "t = input(1.0)\n"
            "w = param([0.75, -0.25])\n"
            "b = param(-0.25)\n"
            "u = w @ x\n"
            "z = u + b\n"
            "y = sigmoid(z)\n"
            "loss = bce(y, t)\n",
        ),
        Preset(
            "relu_layer",
            "ReLU layer",
            "H = relu(WX + b) for a batch X of four examples stored as columns; the bias b is a "
            "column that broadcasts across the batch. H is not a scalar, so backprop starts from "
            "a gradient of ones at H (the gradient of sum(H)). Units whose input is negative pass "
            "no gradient back: relu's local gradient there is 0. The bias gradient is a sum over "
            "the batch, because b fans out to every column.",
            "# Computational graph example 3: H = relu(WX + b)\n"
            "X = input([[1.0, -1.0, 0.5, 2.0], [0.5, 1.0, -1.5, 0.0], [-1.0, 2.0, 1.0, 1.0]])\n"
            "W = param([[0.2, -0.5, 0.1], [0.7, 0.3, -0.4]])\n"
            "b = param([[0.1], [-0.2]])\n"
            "A = W @ X\n"
            "Z = A + b\n"
            "H = relu(Z)\n",
        ),
        Preset(
            "colah",
            "e = (a + b)(b + 1)",
            "Colah's example from \"Calculus on Computational Graphs\": c = a + b, d = b + 1, "
            "e = c·d at a = 2, b = 1. b feeds both c and d, so its gradient is the sum of two "
            "paths: ∂e/∂b = ∂e/∂c·1 + ∂e/∂d·1 = d + c = 2 + 3 = 5, while ∂e/∂a = d = 2.",
            "# Olah, Calculus on Computational Graphs: e = (a + b)(b + 1)\n"
            "a = input(2.0)\n"
            "b = input(1.0)\n"
            "c = a + b\n"
            "d = b + 1\n"
            "e = c * d\n",
        ),
        Preset(
            "mlp",
            "Two-layer MLP",
            "A small multilayer perceptron on a batch of four examples with three features "
            "(rows of X): a ReLU hidden layer of four units, then a linear layer to three class "
            "scores and the softmax cross-entropy against one-hot targets T. The gradient at the "
            "scores is (softmax(Y) − T)/N; from there it flows back through each layer as "
            "∂loss/∂W = Hᵀ · ∂loss/∂Y and ∂loss/∂H = ∂loss/∂Y · Wᵀ.",
            "# Two-layer MLP, softmax cross-entropy on a batch of 4\n"
            "X = input([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])\n"
            "T = input([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])\n"
            "W1 = param(glorot(3, 4, seed=0))\n"
            "b1 = param(zeros(4))\n"
            "H = relu(X @ W1 + b1)\n"
            "W2 = param(glorot(4, 3, seed=1))\n"
            "b2 = param(zeros(3))\n"
            "Y = H @ W2 + b2\n"
            "loss = cross_entropy(Y, T)\n",
        ),
        Preset(
            "deep_linear",
            "Deep linear network, W = 2I",
            "Ten linear layers y = W(10)···W(1)x with no nonlinearity and every W = 2I, as in the "
            "lecture's vanishing/exploding gradients slide. Each layer doubles the signal going "
            "forward and the gradient going back, so ∂loss/∂x = 2¹⁰ = 1024 per component. Edit the "
            "program to W = 0.5I (`0.5 * eye(2)`) and the gradient shrinks as 2⁻¹⁰ instead.",
            _deep_linear(),
        ),
    ]
}
