r"""The teaching steps of the network derivation: shapes and parameter counts, the forward and backward passes
with their values at the point, the untrained loss, and the layers' own derivations.

Every value is exact SymPy (a number with ``exp`` of rationals once the logits are in); a renderer turns it
into a float with ``float(...)``. The deltas are the chain's, in the order the backward pass meets them.

>>> from derivations.network import derive_network
>>> [s.key for s in derive_network((4, 4), filters=1, classes=2).steps]
['network.shapes', 'network.forward', 'network.untrained', 'network.backward', 'network.layers', 'network.proof']
"""
from __future__ import annotations

import sympy

from ._types import Step
from .shapes import summarize

#: the backward pass in the order it runs: (the chain's name, the layer it leaves, what it is)
BACKWARD = (("dz", "softmax", "dL/dz = p - onehot(label)"), ("w2", "dense", "dL/dw2 = f.T @ dz"),
            ("b2", "dense", "dL/db2 = dz"), ("df", "dense", "dL/df = w2 @ dz"),
            ("dP", "flatten", "dL/dP = df reshaped to (h, w, F), channels last"),
            ("dZ", "pool", "dL/dZ = dP routed to each window's maximum"),
            ("w1", "conv", "dL/dw1 = x cross-correlated with dZ"), ("b1", "conv", "dL/db1 = dZ summed"),
            ("x", "conv", "dL/dx = full convolution of dZ with w1"))


def _at(a, point):
    """An array (or one expression) at the point, exactly."""
    return a.xreplace(point)


def network_steps(layers, forward, chain, numbers, point, rules, pitfalls, size) -> tuple:
    """The steps, from the derivation's parts (see ``derive_network``): ``chain`` symbolic, ``numbers`` the same
    chain at the point; ``size`` is (H, W, F, M, label)."""
    h, w, F, M, y = size
    summary = summarize((h, w, 1), [("conv", F, 3), ("maxpool", 2), ("flatten",), ("dense", M)])
    uniform = next(s for s in layers["softmax"].steps if s.key == "softmax.uniform").data
    loss = _at(forward["loss"], point)
    return (
        Step("network.shapes", {"input_shape": (h, w, 1), "layers": tuple(summary),
                                "params": sum(layer.params for layer in summary)}),
        Step("network.forward", {"symbolic": forward, "values": {k: _at(v, point) for k, v in forward.items()},
                                 "label": y}),
        # logits that barely differ (small random weights) give p ~ 1/M each: the loss starts near ln M
        Step("network.untrained", {"classes": M, "loss": uniform["loss"], "value": uniform["value"],
                                   "at_point": loss, "at_point_value": float(loss)}),
        Step("network.backward", {"order": BACKWARD, "symbolic": {k: chain[k] for k, _, _ in BACKWARD},
                                  "values": {k: numbers[k] for k, _, _ in BACKWARD}}),
        Step("network.layers", dict(layers)),
        Step("network.proof", {"rules": rules, "pitfalls": pitfalls}),
    )


def as_floats(a) -> list:
    """An exact array's entries as floats, row-major (for a renderer or a numeric comparison).

    >>> as_floats(sympy.Array([sympy.Rational(1, 4), sympy.log(10)]))
    [0.25, 2.302585092994046]
    """
    return [float(v) for v in sympy.flatten(a.tolist())] if getattr(a, "shape", ()) else [float(a)]
