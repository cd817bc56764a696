r"""The course notes' whole CNN at a small size: each layer's backward chained, proved equal to the exact
derivative of the loss with respect to the input and every parameter.

The network (the notes' ``Conv3x3`` -> ``MaxPool2`` -> ``Softmax``, with biases on both layers)::

    Z  = conv3x3(x, w1) + b1      (F, H-2, W-2)   valid cross-correlation, as the notes' np.sum(region * filters)
    P  = maxpool2(Z)              (F, h, w)       window 2, stride 2
    f  = flatten(P, channels last) (h*w*F,)       the notes flatten their (h, w, F) array row-major
    z  = f @ w2 + b2              (M,)            dense, w2 of shape (D, M)
    L  = -ln softmax(z)[label]

Layer by layer, the backward pass is the chain of the layers' own derivations (``conv``, ``pool``, ``flatten``,
``dense``), each fed the delta of the layer after it, starting from ``softmax.ce_delta``, :math:`p - onehot`:

.. math:: \delta_z = p - e_y,\ df = w_2 \delta_z,\ dP = \mathrm{unflatten}(df),\ dZ = \mathrm{route}(dP),\
          dw_1 = x \star dZ,\ dx = \mathrm{fullconv}(dZ, w_1)

The exact side is written again from the definitions above and differentiated by ``sympy.diff`` of the one
scalar L. Max pooling routes by the values at a point (``values``), so both sides are proved with that
routing fixed: an identity in every parameter near the point (where no window's maximum changes). The
exponentials of the logits stay symbolic; ``_rational.prove_rational`` compares the rational functions.

>>> d = derive_network()
>>> [(r.name, r.holds) for r in d.rules]
[('chain_w2', True), ('chain_b2', True), ('chain_w1', True), ('chain_b1', True), ('chain_x', True)]
>>> [(r.name, r.counterexample.grad) for r in d.pitfalls]
[('chain_without_minus_one', 'w2'), ('chain_flatten_channels_first', 'w1'), ('chain_route_every_cell', 'w1')]
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import sympy

from ._rational import prove_rational
from ._symbols import cs231n_tensor, indices
from ._symops import flat
from .cost import NETWORK_LIMITS
from ._types import Derivation
from ._validate import GradproofError, whole
from ._values import exact_values
from .conv import derive_conv2d
from .dense import derive_dense
from .flatten import derive_flatten, row_major
from .network_steps import network_steps
from .pool import derive_pool2d
from .softmax import ce_delta, derive_softmax_ce, softmax

#: the parameters, from the loss back to the input: a wrong chain is reported at the first one it gets wrong
ORDER = ("w2", "b2", "w1", "b1", "x")
#: the largest network proved exactly (inclusive; measured in ``cost``, which the command line asks first)
LIMITS = NETWORK_LIMITS


def default_values(shapes) -> dict:
    r"""Small distinct rationals for each array (quarters in [-5/4, 5/4]), deterministic; the pools' maxima
    at the default 6x6 network are untied (tests/test_network.py checks it)."""
    out = {}
    for t, (name, shape) in enumerate(shapes.items()):
        n = 1
        for v in shape:
            n *= v
        out[name] = tuple(sympy.Rational((k * 7 + 3 * t + 2) % 11 - 5, 4) for k in range(n))
    return out


def derive_network(input_shape=(6, 6), filters=2, classes=3, *, label=0, values=None) -> Derivation:
    r"""Derive the whole network at a concrete size and point (cached); ``grads`` holds dL/d(each name).

    cs231n names, 0-based: ``x`` (H, W), ``w1`` (F, 3, 3), ``b1`` (F,), ``w2`` (D, M), ``b2`` (M,).
    ``values`` maps any of these names to numbers (row-major); the others get ``default_values``.

    >>> derive_network((4, 4), filters=1, classes=2).params["shapes"]["flatten"]
    (1,)
    """
    try:
        h, w = (whole("input_shape", v) for v in input_shape)
    except (TypeError, ValueError):
        raise GradproofError(f"input_shape must be two whole numbers (H, W), got {input_shape!r}") from None
    F, M = whole("filters", filters), whole("classes", classes, low=2)
    y = whole("label", label, low=0)
    if min(h, w) < 4:
        raise GradproofError(f"input_shape must be at least 4x4 (a 3x3 conv, then a 2x2 pool), got {input_shape!r}")
    for what, v in (("input side", max(h, w)), ("filters", F), ("classes", M)):
        if v > LIMITS[what]:
            raise GradproofError(f"{what} must be at most {LIMITS[what]} for an exact network, got {v}")
    if y >= M:
        raise GradproofError(f"label must be a class index 0..{M - 1}, got {label!r}")
    zh, zw = h - 2, w - 2
    D = (zh // 2) * (zw // 2) * F
    shapes = {"x": (h, w), "w1": (F, 3, 3), "b1": (F,), "w2": (D, M), "b2": (M,)}
    vals = default_values(shapes)
    if values is not None and not isinstance(values, Mapping):
        raise GradproofError(f"values must map names ({', '.join(shapes)}) to numbers, got {values!r}")
    given = dict(values or {})
    for name in given:
        if name not in shapes:
            raise GradproofError(f"values: unknown name {name!r}; known: {', '.join(shapes)}")
    try:
        vals.update({k: exact_values(v, len(vals[k]), f"{k} of shape {shapes[k]}") for k, v in given.items()})
    except ValueError as e:
        raise GradproofError(f"values: {e}") from None
    return _derive(h, w, F, M, y, tuple(vals[k] for k in shapes))


def _arr(entries, shape):
    return sympy.ImmutableDenseNDimArray(list(entries), shape)


def _first_max(vals):
    top = max(vals)
    return vals.index(top)


@lru_cache(maxsize=8)
def _derive(h, w, F, M, y, vals) -> Derivation:
    zh, zw, ph, pw = h - 2, w - 2, (h - 2) // 2, (w - 2) // 2
    D = ph * pw * F
    shapes = {"x": (h, w), "w1": (F, 3, 3), "b1": (F,), "w2": (D, M), "b2": (M,)}
    sym = {k: cs231n_tensor(k, s) for k, s in shapes.items()}
    point = {s: v for k, vs in zip(shapes, vals) for s, v in zip(flat(sym[k]), vs)}
    x, w1, b1, w2, b2 = (sym[k] for k in ("x", "w1", "b1", "w2", "b2"))

    # The exact side, from the definitions alone: forward, routing by the first maximum at the point, diff.
    Z = [[[b1[f] + sympy.Add(*[x[i + p, j + q] * w1[f, p, q] for p, q in indices((3, 3))])
           for j in range(zw)] for i in range(zh)] for f in range(F)]
    route = {}  # (f, i, j) -> the Z cell its maximum comes from
    for f, i, j in indices((F, ph, pw)):
        cells = [(f, 2 * i + m, 2 * j + n) for m, n in indices((2, 2))]
        route[(f, i, j)] = cells[_first_max([Z[c[0]][c[1]][c[2]].xreplace(point) for c in cells])]
    P = {k: Z[c[0]][c[1]][c[2]] for k, c in route.items()}
    f_exact = [P[(f, i, j)] for i, j, f in indices((ph, pw, F))]  # channels last, row-major
    logits = [b2[m] + sympy.Add(*[f_exact[d] * w2[d, m] for d in range(D)]) for m in range(M)]
    # -ln(e^{z_y} / S) = -z_y + ln S (SymPy's expand_log: e^{z_y} and S are positive): the derivative then
    # has the one denominator S, and most proofs close by expand alone (see _rational.rational_zero)
    loss = sympy.expand_log(-sympy.log(softmax(logits)[y]))
    exact = {k: _arr([sympy.diff(loss, s) for s in flat(sym[k])], shapes[k]) for k in ORDER}

    # The chain: each layer's own derivation, its symbols bound to the network's, fed the next layer's delta.
    conv = derive_conv2d((1, 1, h, w), (F, 1, 3, 3))
    cmap = {**{conv.symbols["x"][0, 0, r, c]: x[r, c] for r, c in indices((h, w))},
            **{conv.symbols["w"][f, 0, p, q]: w1[f, p, q] for f, p, q in indices((F, 3, 3))},
            **{conv.symbols["b"][f]: b1[f] for f in range(F)}}
    Zc = conv.forward.xreplace(cmap)[0, :, :, :]
    pool = derive_pool2d("max", (F, zh, zw), 2, values=[v.xreplace(point) for v in flat(Zc)])
    A, B = pool.symbols["A"], pool.symbols["B"]
    where_a = {A[k]: k for k in indices((F, zh, zw))}
    where_b = {B[k]: k for k in indices((F, ph, pw))}
    Pc = {}
    for meeting in pool.association:  # the cell whose coefficient is 1 is the one the maximum comes from
        for coef, out in meeting.pairs:
            if coef == 1:
                Pc[where_b[out]] = Zc[where_a[meeting.input]]
    flatten = derive_flatten((ph, pw, F))
    fc = flat(flatten.forward.xreplace({flatten.symbols["x"][i, j, f]: Pc[(f, i, j)]
                                        for i, j, f in indices((ph, pw, F))}))
    dense = derive_dense(D, M)
    dmap = {**{dense.symbols["x"][d]: fc[d] for d in range(D)}, **{dense.symbols["b"][m]: b2[m] for m in range(M)},
            **{dense.symbols["w"][d, m]: w2[d, m] for d, m in indices((D, M))}}
    zc = [dense.forward[m].xreplace(dmap) for m in range(M)]
    sm = derive_softmax_ce(M, label=y)

    def chain(delta, unflatten, routed, at_point=False):
        """dL/d(each name) and the deltas between layers by the layers' backward passes; the three hooks
        plant a wrong step. ``at_point`` binds the layers' inputs to their values: the same chain, in numbers."""
        bind = {k: v.xreplace(point) for k, v in dmap.items()} if at_point else dmap
        at = {**bind, **{dense.symbols["dout"][m]: delta[m] for m in range(M)}}
        df = [dense.grads["x"][d].xreplace(at) for d in range(D)]
        dP = unflatten(df)  # (f, i, j) -> entry
        dZ = routed(dP)
        cat = {**({k: v.xreplace(point) for k, v in cmap.items()} if at_point else cmap),
               **{conv.symbols["dout"][0, f, i, j]: dZ[(f, i, j)] for f, i, j in indices((F, zh, zw))}}
        return {"w2": dense.grads["w"].xreplace(at), "b2": dense.grads["b"].xreplace(at),
                "w1": conv.grads["w"].xreplace(cat).reshape(F, 3, 3), "b1": conv.grads["b"].xreplace(cat),
                "x": conv.grads["x"].xreplace(cat).reshape(h, w), "dz": _arr(delta, (M,)), "df": _arr(df, (D,)),
                "dP": _arr([dP[k] for k in indices((F, ph, pw))], (F, ph, pw)),
                "dZ": _arr([dZ[k] for k in indices((F, zh, zw))], (F, zh, zw))}

    def unflatten_by(derivation_grad):
        def go(df):
            at = {flatten.symbols["dout"][d]: df[d] for d in range(D)}
            g = derivation_grad.xreplace(at)
            return {(f, i, j): g[i, j, f] for f, i, j in indices((F, ph, pw))}
        return go

    def route_by_pool(dP):
        g = pool.grads["A"].xreplace({pool.symbols["G"][k]: dP[k] for k in indices((F, ph, pw))})
        return {k: g[k] for k in indices((F, zh, zw))}

    def route_every_cell(dP):  # max pooling's backward written like mean pooling's, without the 1/4
        return {(f, r, c): dP[(f, r // 2, c // 2)] if r < 2 * ph and c < 2 * pw else 0
                for f, r, c in indices((F, zh, zw))}

    p = softmax(zc)
    right = ce_delta(p, y)
    good = chain(right, unflatten_by(flatten.grads["x"]), route_by_pool)
    rules = tuple(prove_rational(f"chain_{k}", f"d{k} by the layers' backward passes = dL/d{k}", {k: exact[k]},
                                 {k: good[k]}) for k in ORDER)
    # channels-first read-back of the notes' channels-last flatten: the flatten derivation's own pitfall formula
    wrong_flat = _arr([flatten.symbols["dout"][row_major((F, ph, pw), (f, i, j))] for i, j, f in indices((ph, pw, F))],
                      (ph, pw, F))
    planted = (("chain_without_minus_one", "softmax delta = p (the -1 at the label forgotten)",
                chain(p, unflatten_by(flatten.grads["x"]), route_by_pool)),
               ("chain_flatten_channels_first", "df read back as (F, h, w) instead of the forward's (h, w, F)",
                chain(right, unflatten_by(wrong_flat), route_by_pool)),
               ("chain_route_every_cell", "max-pool backward sends dP to every cell of its window",
                chain(right, unflatten_by(flatten.grads["x"]), route_every_cell)))
    pitfalls = tuple(prove_rational(n, s, {k: exact[k] for k in ORDER}, {k: g[k] for k in ORDER})
                     for n, s, g in planted)
    layers = {"conv": conv, "pool": pool, "flatten": flatten, "dense": dense, "softmax": sm}
    forward = {"Z": _arr(flat(Zc), (F, zh, zw)), "P": _arr([Pc[k] for k in indices((F, ph, pw))], (F, ph, pw)),
               "flatten": _arr(fc, (D,)), "logits": _arr(zc, (M,)), "p": _arr(p, (M,)), "loss": -sympy.log(p[y])}
    p0 = softmax([v.xreplace(point) for v in zc])
    numbers = chain(ce_delta(p0, y), unflatten_by(flatten.grads["x"]), route_by_pool, at_point=True)
    steps = network_steps(layers, forward, good, numbers, point, rules, pitfalls, (h, w, F, M, y))
    params = {"input_shape": (h, w), "filters": F, "classes": M, "label": y,
              "shapes": {"conv": (F, zh, zw), "pool": (F, ph, pw), "flatten": (D,), "dense": (M,)},
              "values": {k: [str(v) for v in vs] for k, vs in zip(shapes, vals)}}  # row-major, exact, JSON-ready
    names = {"input": "x", "conv_kernel": "w1", "conv_bias": "b1", "dense_weight": "w2", "dense_bias": "b2"}
    return Derivation("network", params, names, dict(sym), _arr([loss], (1,)), exact, rules, (), steps,
                      general={"L": loss}, pitfalls=pitfalls)
