r"""Softmax and cross-entropy: the delta :math:`p - \mathrm{onehot}(y)` proved, and the ways it goes wrong.

The course notes' last layer turns logits ``z`` (their ``totals``) into probabilities and scores the label y:

.. math:: p_i = \frac{e^{z_i}}{\sum_k e^{z_k}}, \qquad L = -\ln p_y, \qquad
          \frac{\partial L}{\partial z_i} = p_i - [i = y]

Softmax alone is not elementwise: every p_i depends on every z_j, with Jacobian
:math:`\partial p_i / \partial z_j = p_i([i = j] - p_j)`, so an upstream gradient ``dout = dL/dp`` gives
:math:`dz = p \odot (dout - \langle dout, p \rangle)`. Keeping only the Jacobian's diagonal
:math:`p_i(1 - p_i)` (treating softmax like a sigmoid) is wrong; combined by hand with the loss's
:math:`dL/dp = -\mathrm{onehot}(y)/p_y` it even gives the right number at the label, :math:`p_y - 1`, and 0
at every other class instead of :math:`p_i`. With equal logits (an untrained network whose scores barely
differ) every :math:`p_i = 1/M` and :math:`L = \ln M`: 2.302 for the notes' ten digits.

Every entry is a rational function of the :math:`e^{z_k}`; a rule holds where the numerator of the difference
over a common denominator expands to 0 (``_rational.prove_rational``), entry by entry.

>>> d = derive_softmax_ce(3, label=0)
>>> d.grads["z"][1]
exp(z_1)/(exp(z_0) + exp(z_1) + exp(z_2))
>>> [(r.name, r.holds) for r in d.rules]
[('p_minus_onehot', True), ('softmax_jacobian', True), ('softmax_jacobian_T_dout', True)]
>>> [(r.name, r.holds, r.counterexample.index) for r in d.pitfalls]
[('delta_without_minus_one', False, (0,)), ('diagonal_jacobian_with_ce', False, (1,)), ('diagonal_jacobian', False, (0,))]
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ._rational import prove_rational
from ._symbols import cs231n_tensor
from .cost import SOFTMAX_MAX_CLASSES
from ._types import Derivation, Step
from ._validate import GradproofError, whole
from ._values import exact_values

#: classes of an exact derivation (measured in ``cost``: softmax alone's proofs grow with the square of the classes)
MAX_CLASSES = SOFTMAX_MAX_CLASSES


def softmax(z):
    """The probabilities ``exp(z_i) / sum_k exp(z_k)`` of a list of logits, as SymPy expressions.

    >>> softmax([sympy.Integer(0), sympy.Integer(0)])
    [1/2, 1/2]
    """
    total = sympy.Add(*[sympy.exp(v) for v in z])
    return [sympy.exp(v) / total for v in z]


def ce_delta(p, label: int):
    """The rule dL/dz = p - onehot(label) for softmax followed by cross-entropy, from the probabilities ``p``.

    >>> ce_delta([sympy.Rational(1, 4), sympy.Rational(3, 4)], 1)
    [1/4, -1/4]
    """
    return [v - (1 if i == label else 0) for i, v in enumerate(p)]


def derive_softmax_ce(classes=10, *, label=0, values=None) -> Derivation:
    r"""Derive and prove softmax + cross-entropy at ``classes`` logits and a ``label`` (0-based; cached).

    cs231n names, 0-based: logits ``z``, probabilities ``p``, ``dout`` = dL/dp for softmax alone.
    ``grads["z"]`` is dL/dz of the loss; ``grads["z_softmax"]`` is softmax alone's dz for an upstream ``dout``.
    ``values`` (``classes`` numbers) adds a step with the probabilities, the loss and the delta there.

    >>> derive_softmax_ce(2, label=1, values=[0, 0]).steps[-2].data["loss"]
    log(2)
    """
    M = whole("classes", classes, low=2)
    if M > MAX_CLASSES:
        raise GradproofError(f"classes must be at most {MAX_CLASSES} for an exact derivation, got {classes!r}")
    y = whole("label", label, low=0)
    if y >= M:
        raise GradproofError(f"label must be a class index 0..{M - 1}, got {label!r}")
    try:
        vals = exact_values(values, M, f"{M} logits")
    except ValueError as e:
        raise GradproofError(str(e)) from None
    return _derive(M, y, vals)


def _arr(entries):
    return sympy.ImmutableDenseNDimArray(list(entries), (len(entries),))


@lru_cache(maxsize=16)
def _derive(M, y, vals) -> Derivation:
    z, dout, p_sym = cs231n_tensor("z", (M,)), cs231n_tensor("dout", (M,)), cs231n_tensor("p", (M,))
    zs, gs = [z[i] for i in range(M)], [dout[i] for i in range(M)]
    p = softmax(zs)
    loss = -sympy.log(p[y])  # the notes' -np.log(out[label]), differentiated as written
    exact = {"z": _arr([sympy.diff(loss, v) for v in zs])}
    # softmax alone: L = <dout, p>, differentiated as written; its Jacobian d p_i / d z_j for the steps
    jac = sympy.ImmutableDenseNDimArray([sympy.diff(p[i], zs[j]) for i in range(M) for j in range(M)], (M, M))
    inner = sympy.Add(*[g * q for g, q in zip(gs, p)])
    alone = {"z_softmax": _arr([sympy.diff(inner, v) for v in zs])}
    rules = (prove_rational("p_minus_onehot", "dz = p - onehot(label)", exact, {"z": _arr(ce_delta(p, y))}),
             prove_rational("softmax_jacobian", "d p_i / d z_j = p_i * ([i = j] - p_j)", {"J": jac},
                            {"J": sympy.ImmutableDenseNDimArray([p[i] * (int(i == j) - p[j]) for i in range(M)
                                                                 for j in range(M)], (M, M))}),
             prove_rational("softmax_jacobian_T_dout", "dz = p * (dout - sum(dout * p))", alone,
                            {"z_softmax": _arr([q * (g - inner) for q, g in zip(p, gs)])}))
    # the classic mistakes: the label's -1 forgotten; softmax differentiated as if elementwise
    diag_ce = [-1 / p[y] * p[i] * (1 - p[i]) if i == y else sympy.S.Zero for i in range(M)]
    pitfalls = (prove_rational("delta_without_minus_one", "dz = p", exact, {"z": _arr(p)}),
                prove_rational("diagonal_jacobian_with_ce",
                               "dz_i = dL/dp_i * p_i * (1 - p_i), dL/dp = -onehot(label)/p[label]",
                               exact, {"z": _arr(diag_ce)}),
                prove_rational("diagonal_jacobian", "dz = dout * p * (1 - p)", alone,
                               {"z_softmax": _arr([g * q * (1 - q) for g, q in zip(gs, p)])}))
    probs = sympy.ImmutableDenseNDimArray(p, (M,))
    # equal logits: every p_i = 1/M and the loss is ln M (the untrained network's 2.302 for ten classes)
    uniform = sympy.simplify(loss.xreplace({v: 0 for v in zs}))
    steps = [Step("softmax.forward", {"logits": z, "output": p_sym, "forward": probs, "loss": loss, "label": y}),
             Step("softmax.jacobian", {"jacobian": jac, "rule": "p_i * ([i = j] - p_j)"}),
             Step("softmax.delta", {"grad": exact["z"], "label": y, "rule": "p - onehot(label)"}),
             Step("softmax.uniform", {"classes": M, "loss": uniform, "value": float(uniform)})]
    if vals is not None:
        at = dict(zip(zs, vals))
        steps.append(Step("softmax.values", {"logits": sympy.ImmutableDenseNDimArray(vals, (M,)),
                                             "probabilities": probs.xreplace(at), "loss": loss.xreplace(at),
                                             "grad": exact["z"].xreplace(at), "label": y}))
    steps.append(Step("softmax.proof", {"rules": rules, "pitfalls": pitfalls}))
    params = {"classes": M, "label": y, "output_shape": (M,)}
    names = {"input": "z", "output": "p", "upstream": "dout"}
    return Derivation("softmax-ce", params, names, {"z": z, "p": p_sym, "dout": dout}, probs,
                      {**exact, **alone}, rules, (), tuple(steps), general={"L": loss}, pitfalls=pitfalls)
