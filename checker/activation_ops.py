r"""The proven activation rules as numpy functions, elementwise (see ``derivations.activations``).

Sigmoid's backward uses its forward output a: dX = dout * a * (1 - a), the course notes' ``a .* (1 - a)``.
ReLU's derivative at the kink x = 0 is taken as 0, as PyTorch does (any value in [0, 1] is a subgradient).
"""
from __future__ import annotations

import numpy as np


def sigmoid(x) -> np.ndarray:
    """1 / (1 + exp(-x)), without overflow for large |x|.

    >>> sigmoid(np.array([0., -1000.]))
    array([0.5, 0. ])
    """
    e = np.exp(-np.abs(np.asarray(x, dtype=float)))
    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dout, a) -> np.ndarray:
    """dX = dout * a * (1 - a), where a = sigmoid(x) is the forward OUTPUT (the seed's a .* (1 - a)).

    >>> sigmoid_backward(np.array([1.]), sigmoid(np.array([0.])))
    array([0.25])
    """
    a = np.asarray(a, dtype=float)
    return np.asarray(dout, dtype=float) * a * (1 - a)


def relu(x) -> np.ndarray:
    """max(x, 0) elementwise.

    >>> relu(np.array([-1., 0., 2.]))
    array([0., 0., 2.])
    """
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def relu_backward(dout, x) -> np.ndarray:
    """dX = dout where x > 0, else 0: the derivative at the kink x = 0 is taken as 0.

    >>> relu_backward(np.ones(3), np.array([-1., 0., 2.]))
    array([0., 0., 1.])
    """
    return np.where(np.asarray(x) > 0, np.asarray(dout, dtype=float), 0.0)
