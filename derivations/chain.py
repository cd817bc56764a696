r"""The two layer deltas of the seed's DeepLearnToolbox walk-through, derived and proved on a small chain.

The chain: X (an earlier pooling layer's output) -> F filters ``Z_f = convn(X, K_f, 'valid')`` (true
convolution, as the toolbox's ``convn``) -> ``a_f = sigmoid(Z_f)`` -> mean pooling with scale s -> P_f,
with upstream gradient G_f = dL/dP_f. The bias adds a constant and changes neither delta, so it is left out.

1. Convolution layer followed by a pooling layer (dL/dZ, here read at the pooling layer's delta G):

   .. math:: \delta_{conv} = a \odot (1 - a) \odot \mathrm{expand}(G, [s\ s]) / s^2

2. Pooling layer followed by a convolution layer (dL/dX, for given conv deltas D_f = dL/dZ_f):

   .. math:: \delta_{pool} = \sum_f \mathrm{convn}(D_f, \mathrm{rot180}(K_f), \text{'full'})

Both are proved entry by entry: (1) against ``diff`` of L through the sigmoid (both sides in canonical
``cancel`` form), (2) against the gradient read off the terms of ``sum_f D_f * Z_f``.

>>> d = derive_layer_deltas()
>>> [(r.name, r.holds) for r in d.rules]
[('delta_conv_sigmoid_expand', True), ('delta_pool_full_conv_rot180', True)]
>>> [(r.name, r.holds) for r in d.pitfalls]
[('delta_conv_without_scale', False), ('delta_pool_unrotated', False)]
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ._backward import scatter_grads
from ._proof import prove
from ._symbols import indices, seed_tensor
from ._symops import full_xcorr, nested, rot180, xcorr
from ._types import Derivation, Step
from .activations import sigmoid
from ._validate import GradproofError, sizes, whole


def _arr(nested_list, shape):
    return sympy.ImmutableDenseNDimArray(list(sympy.flatten(nested_list)), shape)


def convn_valid(x, k):
    """MATLAB ``convn(x, k, 'valid')`` on nested lists: cross-correlation with rot180(k).

    >>> convn_valid([[1, 2], [3, 4]], [[1, 0], [0, 0]])
    [[4]]
    """
    return xcorr(x, rot180(k))


def convn_full(g, k):
    """MATLAB ``convn(g, k, 'full')``: full cross-correlation with rot180(k).

    >>> convn_full([[1]], [[1, 2], [3, 4]])
    [[1, 2], [3, 4]]
    """
    return full_xcorr(g, rot180(k))


def derive_layer_deltas(input_shape=(6, 6), kernel=(3, 3), *, filters=2, scale=2) -> Derivation:
    """Derive the toolbox's two layer deltas for X -> convn -> sigmoid -> mean pool (cached).

    Names (1-based, seed style): X input, K (F, kh, kw) kernels, Z conv outputs, P pooled outputs,
    G = dL/dP, D = dL/dZ as given symbols for delta 2. ``grads`` holds "Z" (delta 1) and "X" (delta 2).

    >>> derive_layer_deltas((4, 4), (3, 3), filters=1, scale=2).grads["X"].shape
    (4, 4)
    """
    filters, scale = whole("filters", filters), whole("scale", scale)
    input_shape, kernel = sizes("input_shape", input_shape, (2,)), sizes("kernel", kernel, (2,))
    zh, zw = input_shape[0] - kernel[0] + 1, input_shape[1] - kernel[1] + 1
    if zh < 1 or zw < 1:
        raise GradproofError(f"kernel {kernel!r} is larger than input_shape {input_shape!r}")
    if zh % scale or zw % scale:
        raise GradproofError(f"scale {scale!r} must divide the conv output {zh}x{zw} (the toolbox's expand tiles it)")
    if filters * zh * zw * kernel[0] * kernel[1] > 5000:
        raise GradproofError(f"filters {filters!r} with input_shape {input_shape!r} is too large for this exact demo")
    return _derive(input_shape, kernel, filters, scale)


@lru_cache(maxsize=8)
def _derive(input_shape, kernel, filters, scale) -> Derivation:
    (h, w), (kh, kw), F, s = input_shape, kernel, filters, scale
    zh, zw = h - kh + 1, w - kw + 1
    ph, pw = zh // s, zw // s
    X, K = seed_tensor("X", (h, w)), seed_tensor("K", (F, kh, kw))
    Z, D = seed_tensor("Z", (F, zh, zw)), seed_tensor("D", (F, zh, zw))
    P, G = seed_tensor("P", (F, ph, pw)), seed_tensor("G", (F, ph, pw))
    x, k, z, dd, g = nested(X), nested(K), nested(Z), nested(D), nested(G)
    q = sympy.Rational(1, s * s)

    # Delta 1: L = sum G * meanpool(sigmoid(Z)); exact by diff (each Z entry meets one sigmoid).
    a = [[[sigmoid(z[f][i][j]) for j in range(zw)] for i in range(zh)] for f in range(F)]
    pooled = [[[q * sympy.Add(*[a[f][i * s + m][j * s + n] for m in range(s) for n in range(s)])
                for j in range(pw)] for i in range(ph)] for f in range(F)]
    loss = sympy.Add(*[g[f][i][j] * pooled[f][i][j] for f, i, j in indices((F, ph, pw))])
    exact_z = _arr([[[sympy.cancel(sympy.diff(loss, z[f][i][j])) for j in range(zw)] for i in range(zh)]
                    for f in range(F)], (F, zh, zw))

    def delta_conv(div):
        return _arr([[[sympy.cancel(a[f][i][j] * (1 - a[f][i][j]) * g[f][i // s][j // s] * div)
                       for j in range(zw)] for i in range(zh)] for f in range(F)], (F, zh, zw))

    rules = [prove("delta_conv_sigmoid_expand", "dZ = a .* (1 - a) .* expand(G, [s s 1]) / s^2", {"Z": exact_z},
                   {"Z": delta_conv(q)})]
    pitfalls = [prove("delta_conv_without_scale", "dZ = a .* (1 - a) .* expand(G, [s s 1])",
                      {"Z": exact_z}, {"Z": delta_conv(1)})]

    # Delta 2: L = sum_f D_f * convn(X, K_f, 'valid'); exact gradient read off its terms.
    zf = [convn_valid(x, k[f]) for f in range(F)]
    exact_x = scatter_grads(_arr(zf, (F, zh, zw)), D, {"X": X})["X"]

    def delta_pool(kern):
        tot = [[sympy.S.Zero] * w for _ in range(h)]
        for f in range(F):
            part = convn_full(dd[f], kern(k[f]))
            tot = [[t + p for t, p in zip(rt, rp)] for rt, rp in zip(tot, part)]
        return _arr(tot, (h, w))

    rules.append(prove("delta_pool_full_conv_rot180", "dX = sum_f convn(D_f, rot180(K_f), 'full')",
                       {"X": exact_x}, {"X": delta_pool(rot180)}))
    pitfalls.append(prove("delta_pool_unrotated", "dX = sum_f convn(D_f, K_f, 'full')",
                          {"X": exact_x}, {"X": delta_pool(lambda kk: kk)}))
    forward = _arr(pooled, (F, ph, pw))
    steps = (
        Step("chain.forward", {"input_shape": input_shape, "kernel": kernel, "filters": F, "scale": s,
                               "conv": _arr(zf, (F, zh, zw)), "output": P, "forward": forward}),
        Step("chain.delta_conv", {"grad": exact_z, "upstream": G}),
        Step("chain.delta_pool", {"grad": exact_x, "deltas": D, "kernels": K}),
        Step("chain.proof", {"rules": tuple(rules), "pitfalls": tuple(pitfalls)}),
    )
    params = {"input_shape": input_shape, "kernel": kernel, "filters": F, "scale": s,
              "conv_shape": (zh, zw), "output_shape": (ph, pw)}
    names = {"input": "X", "kernel": "K", "output": "P", "upstream": "G", "conv": "Z", "delta": "D"}
    return Derivation("layer-deltas", params, names, {"X": X, "K": K, "Z": Z, "D": D, "P": P, "G": G},
                      forward, {"Z": exact_z, "X": exact_x}, tuple(rules), (), steps, pitfalls=tuple(pitfalls))
