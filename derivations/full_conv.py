r"""A true full CONVOLUTION, MATLAB's ``conv2(A, K, 'full')``: the kernel is flipped, so B11 = A11*K11.

.. math:: B_{i,j} = b + \sum_{p,q} A_{i-p,\,j-q}\, K_{p,q}, \qquad B \in \mathbb{R}^{(H+HH-1)\times(W+WW-1)}

The same output is the full cross-correlation of A with rot180(K) (the frameworks' "convolution" of A
padded by HH - 1, WW - 1): that view is proved as a rule of its own. The adjoint of a convolution is a
cross-correlation, so backward needs no rotation here:

.. math:: \frac{\partial L}{\partial A} = \mathrm{xcorr}(G, K), \qquad
          \frac{\partial L}{\partial K} = \mathrm{xcorr}(G, A) \qquad \text{(both 'valid')}

The cs231n layout ``(N, C, H, W)`` with ``(F, C, HH, WW)`` sums over channels (forward), filters (dx) and
samples (dw), like ``convn`` does over the third axis.

>>> d = derive_full_conv2d((3, 3), (3, 3), bias=False)
>>> d.forward[0, 0], d.forward[0, 1]
(A11*K11, A11*K12 + A12*K11)
>>> [(r.name, r.holds) for r in d.rules], [(r.name, r.holds) for r in d.pitfalls]
([('forward_full_xcorr_rot180', True), ('dx_valid_xcorr', True), ('dw_valid_xcorr', True)], [('dx_rotated_kernel', False)])
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from . import _symops as so
from ._backward import scatter_grads
from ._proof import prove
from ._symbols import cs231n_tensor, indices, seed_tensor
from ._types import Derivation, Meeting, Step
from .conv import check_channels
from .cost import check_full_conv
from ._validate import sizes


def derive_full_conv2d(input_shape, kernel_shape, *, bias=True) -> Derivation:
    r"""Derive and prove a full convolution (kernel flipped, output H+HH-1 by W+WW-1); any kernel shape.

    Seed names for ``(H, W)`` with ``(HH, WW)`` (A, K, b, B, G, 1-based); cs231n names for 4-D shapes.

    >>> d = derive_full_conv2d((2, 3), (2, 1))
    >>> d.params["output_shape"], d.all_hold
    ((3, 3), True)
    """
    input_shape = sizes("input_shape", input_shape, (2, 4))
    kernel_shape = sizes("kernel_shape", kernel_shape, (len(input_shape),))
    check_channels(input_shape, kernel_shape)
    check_full_conv(input_shape, kernel_shape)
    with so.paused_gc():
        return _derive(input_shape, kernel_shape, bool(bias))


def _sum(mats):
    """Entrywise sum of equally shaped 2-D nested lists (over filters, channels or samples)."""
    out = mats[0]
    for m in mats[1:]:
        out = [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(out, m)]
    return out


@lru_cache(maxsize=16)
def _derive(input_shape, kernel_shape, bias) -> Derivation:
    seed = len(input_shape) == 2
    n, c, h, w = input_shape if not seed else (1, 1) + input_shape
    f, _, kh, kw = kernel_shape if not seed else (1, 1) + kernel_shape
    oh, ow = h + kh - 1, w + kw - 1
    if seed:
        names = {"input": "A", "kernel": "K", "bias": "b", "output": "B", "upstream": "G"}
        x, k, g, o = (seed_tensor(nm, s) for nm, s in (("A", (h, w)), ("K", (kh, kw)), ("G", (oh, ow)),
                                                       ("B", (oh, ow))))
        bs = sympy.ImmutableDenseNDimArray([sympy.Symbol("b", real=True)], (1,))
        X4, K4, G4, O4 = (so.nested(a.reshape(1, 1, *a.shape)) for a in (x, k, g, o))
    else:
        names = {"input": "x", "kernel": "w", "bias": "b", "output": "out", "upstream": "dout"}
        x, k, bs = cs231n_tensor("x", input_shape), cs231n_tensor("w", kernel_shape), cs231n_tensor("b", (f,))
        g, o = cs231n_tensor("dout", (n, f, oh, ow)), cs231n_tensor("out", (n, f, oh, ow))
        X4, K4, G4, O4 = (so.nested(a) for a in (x, k, g, o))
    B = so.nested(bs)
    fwd, meets = [], {}
    for nn, ff, i, j in indices((n, f, oh, ow)):
        prods = [B[ff]] if bias else []
        for cc, p, q in indices((c, kh, kw)):
            r, s = i - p, j - q  # the flip: output (i, j) meets input (i - p, j - q) through K[p, q]
            if 0 <= r < h and 0 <= s < w:
                prods.append(so.prod(X4[nn][cc][r][s], K4[ff][cc][p][q]))
                meets.setdefault((nn, cc, r, s), []).append((K4[ff][cc][p][q], O4[nn][ff][i][j]))
        fwd.append(so.total(prods))
    out_shape = (oh, ow) if seed else (n, f, oh, ow)
    forward = sympy.ImmutableDenseNDimArray(fwd, out_shape)
    X, K, G = names["input"], names["kernel"], names["upstream"]
    variables = {X: x, K: k, **({"b": bs} if bias else {})}
    grads = scatter_grads(forward, g, variables, expanded=True)

    def arr(nested4):
        a = sympy.ImmutableDenseNDimArray(nested4)
        return a[0, 0] if seed else a

    # the cross-correlation view of the same output: A padded by HH-1, WW-1, swept by rot180(K)
    view = [[_sum([so.full_xcorr(X4[nn][cc], so.rot180(K4[ff][cc])) for cc in range(c)]) for ff in range(f)]
            for nn in range(n)]
    view = [[[[e + B[ff] for e in r] for r in view[nn][ff]] if bias else view[nn][ff] for ff in range(f)]
            for nn in range(n)]
    bterm = (" + b" if seed else " + b[f]") if bias else ""
    views = [prove("forward_full_xcorr_rot180", f"B = full_xcorr(A, rot180(K)){bterm}" if seed else
                   f"out[n,f] = sum_c full_xcorr(x[n,c], rot180(w[f,c])){bterm}",
                   {names["output"]: forward}, {names["output"]: arr(view)})]

    def dx(rotate):
        return [[_sum([so.xcorr(G4[nn][ff], so.rot180(K4[ff][cc]) if rotate else K4[ff][cc])
                                      for ff in range(f)]) for cc in range(c)] for nn in range(n)]

    dw = [[_sum([so.xcorr(G4[nn][ff], X4[nn][cc]) for nn in range(n)]) for cc in range(c)]
          for ff in range(f)]
    sx = "dA = xcorr(G, K) (valid) = conv2(G, rot180(K), 'valid')" if seed else \
        "dx[n,c] = sum_f xcorr(dout[n,f], w[f,c]) (valid)"
    sw = "dK = xcorr(G, A) (valid)" if seed else "dw[f,c] = sum_n xcorr(dout[n,f], x[n,c]) (valid)"
    rules = [*views, prove("dx_valid_xcorr", sx, {X: grads[X]}, {X: arr(dx(False))}),
             prove("dw_valid_xcorr", sw, {K: grads[K]}, {K: arr(dw)})]
    if bias:
        db = [sympy.Add(*[G4[nn][ff][i][j] for nn in range(n) for i in range(oh) for j in range(ow)])
              for ff in range(f)]
        rules.append(prove("db_sum", f"db = Σ {G}" if seed else f"db[f] = Σ_n,i,j {G}[n,f,i,j]",
                           {"b": grads["b"]}, {"b": sympy.ImmutableDenseNDimArray(db, (f,))}))
    pitfalls = (prove("dx_rotated_kernel", sx.split(" (")[0].replace("K)", "rot180(K))") if seed else
                      "dx[n,c] = sum_f xcorr(dout[n,f], rot180(w[f,c]))", {X: grads[X]}, {X: arr(dx(True))}),)
    association = tuple(Meeting(X4[a][b_][i][j], tuple(meets.get((a, b_, i, j), ())))
                        for a, b_, i, j in indices((n, c, h, w)))
    symbols = {X: x, K: k, G: g, names["output"]: o, **({"b": bs} if bias else {})}
    params = {"input_shape": input_shape, "kernel_shape": kernel_shape, "bias": bias, "mode": "full",
              "output_shape": out_shape}
    steps = (Step("fullconv.shapes", {"input_shape": input_shape, "kernel_shape": kernel_shape,
                                      "output_shape": out_shape}),
             Step("fullconv.forward", {"output": o, "forward": forward}),
             Step("fullconv.xcorr", {"kernel": k}),
             Step("conv.backward", {"upstream": g, "grad": grads[X], "input": x}),
             Step("fullconv.adjoint", {"grad": grads[X]}),
             Step("conv.proof", {"rules": tuple(rules), "pitfalls": pitfalls}))
    general = {"B[i, j]": "b + Σ_{p,q} A[i-p, j-q]·K[p,q]   (0 <= i-p < H, 0 <= j-q < W)",
               "∂L/∂A[r, s]": "Σ_{p,q} G[r+p, s+q]·K[p,q]",
               "∂L/∂K[p, q]": "Σ_{r,s} G[r+p, s+q]·A[r,s]"} if seed else {}
    return Derivation("full_conv2d", params, names, symbols, forward, grads, tuple(rules), association, steps,
                      general=general, pitfalls=pitfalls)
