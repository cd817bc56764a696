r"""Elementwise activations: sigmoid and ReLU, their exact derivatives and the rules courses use.

.. math:: a = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \frac{\partial L}{\partial z} = G \odot a \odot (1 - a)

.. math:: \mathrm{relu}(z) = \begin{cases} z & z > 0 \\ 0 & \text{otherwise} \end{cases}, \qquad
          \frac{\partial L}{\partial z} = G \odot [z > 0]

Kink convention: ReLU is written as ``Piecewise((z, z > 0), (0, True))``, whose derivative is 0 at z = 0
(any value in [0, 1] is a subgradient there; 0 is what ``checker.activation_ops.relu_backward`` and PyTorch use).
``diff(Max(z, 0))`` would give ``Heaviside(z)``, 1/2 at the kink: it differs from our convention when a value
is 0, yet it is a valid subgradient there (its ``tie_verdict`` says so); it is not a mistake.

Sigmoid entries are rational functions of exp(z); both sides are put in SymPy's canonical p/q form
(``cancel``) before the entry-by-entry proof, so a zero difference is a proof.

>>> d = derive_activation("sigmoid", (1, 2))
>>> d.grads["Z"][0, 0], d.all_hold
(G11*exp(-Z11)/(1 + exp(-Z11))**2, True)
>>> r = derive_activation("relu", (1, 3), values=[-1, 0, 2])
>>> [s.data["grad"] for s in r.steps if s.key == "act.values"][0], [(p.name, p.holds) for p in r.pitfalls]
([[0, 0, G13]], [('heaviside_kink', False)])
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy

from ._proof import prove
from ._symbols import seed_tensor
from ._types import Derivation, Step
from ._values import exact_values
from .cost import check_activation
from .ties import classify_relu_kink, worst
from ._validate import one_of, sizes

KINDS = ("sigmoid", "relu")


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)) as a SymPy expression.

    >>> sigmoid(sympy.Integer(0))
    1/2
    """
    return 1 / (1 + sympy.exp(-z))


def relu(z):
    """ReLU as ``Piecewise((z, z > 0), (0, True))``: its derivative is 0 at the kink.

    >>> relu(sympy.Integer(-3)), sympy.diff(relu(sympy.Symbol("z", real=True)), sympy.Symbol("z", real=True))
    (0, Piecewise((1, z > 0), (0, True)))
    """
    return sympy.Piecewise((z, z > 0), (0, True))


def _map(f, arr):
    return arr.applyfunc(f)


def derive_activation(kind, shape, *, values=None) -> Derivation:
    """Derive and prove an elementwise activation's gradient (cached). Names: input Z, output A, upstream G.

    ``values`` (row-major numbers) additionally evaluates the gradient there; for ReLU they decide the kink.

    >>> derive_activation("relu", (2, 2)).rule("relu_step").holds
    True
    """
    one_of("kind", kind, KINDS)
    shape = sizes("shape", shape, (1, 2))
    n = 1
    for v in shape:
        n *= v
    check_activation(kind, shape)  # before any symbolic work
    return _derive(kind, shape, exact_values(values, n, f"shape {shape}"))


@lru_cache(maxsize=32)
def _derive(kind, shape, vals) -> Derivation:
    Z, G, A = seed_tensor("Z", shape), seed_tensor("G", shape), seed_tensor("A", shape)
    f = sigmoid if kind == "sigmoid" else relu
    forward = _map(f, Z)
    flatZ, flatG = list(sympy.flatten(Z.tolist())), list(sympy.flatten(G.tolist()))
    exact = sympy.ImmutableDenseNDimArray([g * sympy.diff(f(z), z) for z, g in zip(flatZ, flatG)], shape)
    grads = {"Z": exact}
    steps = [Step("act.forward", {"kind": kind, "output": A, "forward": forward})]
    pitfalls = []
    if kind == "sigmoid":
        a = forward
        rule = sympy.ImmutableDenseNDimArray([g * s * (1 - s) for s, g in
                                              zip(sympy.flatten(a.tolist()), flatG)], shape)
        canon = {"Z": exact.applyfunc(sympy.cancel)}
        rules = [prove("sigmoid_a_one_minus_a", "dZ = G .* a .* (1 - a), a = sigmoid(Z)", canon,
                       {"Z": rule.applyfunc(sympy.cancel)})]
        # Feeding the output into the derivative formula a second time: sigma(a)(1 - sigma(a)).
        twice = sympy.ImmutableDenseNDimArray([g * sigmoid(s) * (1 - sigmoid(s)) for s, g in
                                               zip(sympy.flatten(a.tolist()), flatG)], shape)
        pitfalls.append(prove("sigmoid_of_output", "dZ = G .* sigmoid(a) .* (1 - sigmoid(a))", canon,
                              {"Z": twice.applyfunc(sympy.cancel)}))
        steps.append(Step("act.sigmoid", {"grad": exact, "rule": "a(1-a)"}))
    else:
        step = sympy.ImmutableDenseNDimArray([g * sympy.Piecewise((1, z > 0), (0, True))
                                              for z, g in zip(flatZ, flatG)], shape)
        rules = [prove("relu_step", "dZ = G .* [Z > 0]", grads, {"Z": step})]
        steps.append(Step("act.kink", {"convention": 0}))
    if vals is not None:
        at = dict(zip(flatZ, vals))
        ev = exact.xreplace(at)
        steps.append(Step("act.values", {"values": sympy.ImmutableDenseNDimArray(vals, shape), "grad": ev}))
        if kind == "relu":
            heavi = sympy.ImmutableDenseNDimArray([g * sympy.Heaviside(v) for v, g in zip(vals, flatG)], shape)
            verdict = worst(classify_relu_kink(v, sympy.Heaviside(v)).verdict for v in vals)
            pitfalls.append(replace(prove("heaviside_kink", "dZ = G .* Heaviside(Z)", {"Z": ev}, {"Z": heavi}),
                                    tie_verdict=verdict))
    steps.append(Step("act.proof", {"rules": tuple(rules), "pitfalls": tuple(pitfalls)}))
    params = {"kind": kind, "shape": shape}
    return Derivation(kind, params, {"input": "Z", "output": "A", "upstream": "G"}, {"Z": Z, "G": G, "A": A},
                      forward, grads, tuple(rules), (), tuple(steps), pitfalls=tuple(pitfalls))
