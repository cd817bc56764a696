r"""The closed-form convolution rules, built from ``_symops`` and proved against the exact gradients.

With stride :math:`s`, padding :math:`P`, dilation :math:`d`, :math:`H_p = H + 2P`:

.. math::
    dx_{n,c} &= \mathrm{crop}_P\Big(\mathrm{pad}_r\big(\textstyle\sum_f
               \mathrm{full\_xcorr}(\mathrm{dilate}_s(G_{n,f}),\ \mathrm{rot180}(\mathrm{dilate}_d(w_{f,c})))\big)\Big)\\
    dw_{f,c} &= \big[\textstyle\sum_n \mathrm{xcorr}(\mathrm{pad}_P(x_{n,c}),\ \mathrm{dilate}_s(G_{n,f}))\big]_{::d}\\
    db_f &= \textstyle\sum_{n,i,j} G_{n,f,i,j}

where :math:`r = (H_p - \text{span}) \bmod s` rows (and columns) at the bottom (right) were never reached by
the strided forward: their gradient is zero, which numpy slicing would silently drop.

>>> from derivations import derive_conv2d
>>> derive_conv2d((6, 6), (3, 3), stride=2).rule("dx_full_conv_rot180").statement
'dA = pad_r(full_xcorr(dilate_2(G), rot180(K))), r = 1'
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import _symops as so
from ._proof import prove
from ._types import Rule


@dataclass(frozen=True)
class ConvGeometry:
    """What the closed-form rules need to know of a convolution besides its arrays (cs231n names)."""

    stride: int
    pad: int
    dilation: int
    H: int  # input rows, before padding
    W: int  # input columns, before padding


def _dx(X4, K4, G4, geometry, *, rotate=True, dilate_g=True):
    """The input-gradient rule; ``rotate``/``dilate_g`` False give the classic mistakes."""
    stride, pad, dilation = geometry.stride, geometry.pad, geometry.dilation
    n, c, f = len(X4), len(X4[0]), len(K4)
    hp, wp = geometry.H + 2 * pad, geometry.W + 2 * pad
    out = []
    for nn in range(n):
        per_c = []
        for cc in range(c):
            terms = None
            for ff in range(f):
                g = G4[nn][ff]
                g = so.dilate(g, stride) if dilate_g else g
                k = so.dilate(K4[ff][cc], dilation)
                k = so.rot180(k) if rotate else k
                kh, kw = len(k), len(k[0])
                t = so.xcorr_terms(so.pad(g, kh - 1, kh - 1, kw - 1, kw - 1), k)
                terms = t if terms is None else [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(terms, t)]
            full = [[so.total(t) for t in row] for row in terms]
            # pad_r: zero rows/columns the strided forward never reached (or crop a too-large mistake)
            full = so.pad(full, 0, max(0, hp - len(full)), 0, max(0, wp - len(full[0])))
            full = [r[:wp] for r in full[:hp]]
            per_c.append(so.crop(full, pad, pad, pad, pad))
        out.append(per_c)
    return out


def _dw(X4, K4, G4, geometry):
    stride, pad, dilation = geometry.stride, geometry.pad, geometry.dilation
    f, c, kh, kw = len(K4), len(K4[0]), len(K4[0][0]), len(K4[0][0][0])
    out = []
    for ff in range(f):
        per_c = []
        for cc in range(c):
            terms = None
            for nn in range(len(X4)):
                xp = so.pad(X4[nn][cc], pad, pad, pad, pad)
                t = so.xcorr_terms(xp, so.dilate(G4[nn][ff], stride))
                terms = t if terms is None else [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(terms, t)]
            corr = [[so.total(t) for t in row] for row in terms]
            per_c.append([row[: dilation * (kw - 1) + 1 : dilation] for row in corr[: dilation * (kh - 1) + 1 : dilation]])
        out.append(per_c)
    return out


def _arr(nested4, seed: bool) -> sympy.Array:
    """(n, c, rows, cols) nested lists as a SymPy array; the seed's 2-D case drops the two leading axes."""
    a = sympy.ImmutableDenseNDimArray(nested4)
    return a[0, 0] if seed else a


def _dx_statement(names, geometry, kernel_hw: tuple[int, int], *, rotate=True, dilate_g=True) -> str:
    """The rule as a learner reads it, e.g. ``dA = pad_r(full_xcorr(dilate_2(G), rot180(K))), r = 1``.

    Rows and columns each have their own remainder; ``r = (rows, cols)`` when they differ.
    """
    stride, pad, dilation, h, w = geometry.stride, geometry.pad, geometry.dilation, geometry.H, geometry.W
    X, K, G = names["input"], names["kernel"], names["upstream"]
    multi = X == "x"
    g = G + ("[n,f]" if multi else "")
    k = K + ("[f,c]" if multi else "")
    g = f"dilate_{stride}({g})" if stride > 1 and dilate_g else g
    k = f"dilate_{dilation}({k})" if dilation > 1 else k
    k = f"rot180({k})" if rotate else k
    core = f"full_xcorr({g}, {k})"
    if multi:
        core = "sum_f " + core
    kh, kw = kernel_hw
    rh = (h + 2 * pad - (dilation * (kh - 1) + 1)) % stride
    rw = (w + 2 * pad - (dilation * (kw - 1) + 1)) % stride
    r = rh if rh == rw else f"({rh}, {rw})"
    if rh or rw:
        core = f"pad_r({core})"
    if pad:
        core = f"crop_{pad}({core})"
    lhs = f"d{X}" + ("[n,c]" if multi else "")
    if not multi and stride == 1 and dilation == 1 and rotate:
        # the convolution view; with padding it is the CROPPED full convolution (full_conv alone is larger)
        view = f"full_conv({G}, {K})"
        core = f"{f'crop_{pad}({view})' if pad else view} = {core}"
    return f"{lhs} = {core}" + (f", r = {r}" if rh or rw else "")


def conv_rules(names, X4, K4, G4, grads, geometry, *, seed: bool, bias: bool) -> tuple[Rule, ...]:
    """Prove the dx, dw (and db) rules against the exact gradients."""
    stride, pad, dilation = geometry.stride, geometry.pad, geometry.dilation
    X, K, G = names["input"], names["kernel"], names["upstream"]
    kh, kw = len(K4[0][0]), len(K4[0][0][0])
    rules = [
        prove("dx_full_conv_rot180", _dx_statement(names, geometry, (kh, kw)),
              {X: grads[X]}, {X: _arr(_dx(X4, K4, G4, geometry), seed)}),
    ]
    xp = f"pad_{pad}({X})" if pad else X
    g = f"dilate_{stride}({G})" if stride > 1 else G
    if seed:
        dw = f"d{K} = xcorr({xp}, {g})"
    else:
        xp = f"pad_{pad}({X}[n,c])" if pad else f"{X}[n,c]"
        g = f"dilate_{stride}({G}[n,f])" if stride > 1 else f"{G}[n,f]"
        dw = f"d{K}[f,c] = sum_n xcorr({xp}, {g})"
    if dilation > 1:
        dw = f"{dw}[::{dilation}, ::{dilation}]"
    rules.append(prove("dw_xcorr", dw, {K: grads[K]}, {K: _arr(_dw(X4, K4, G4, geometry), seed)}))
    if bias:
        f = len(K4)
        db = [sympy.Add(*[G4[nn][ff][i][j] for nn in range(len(G4)) for i in range(len(G4[0][0]))
                          for j in range(len(G4[0][0][0]))]) for ff in range(f)]
        rules.append(prove("db_sum", f"db = Σ {G}" if seed else f"db[f] = Σ_n,i,j {G}[n,f,i,j]",
                           {"b": grads["b"]}, {"b": sympy.ImmutableDenseNDimArray(db, (f,))}))
    return tuple(rules)


def conv_pitfalls(names, X4, K4, G4, grads, geometry, *, seed: bool) -> tuple[Rule, ...]:
    """The classic mistakes, each refuted with its first wrong entry: no rotation; no dilation for stride."""
    X = names["input"]
    kh, kw = len(K4[0][0]), len(K4[0][0][0])
    out = [prove("dx_unrotated_kernel", _dx_statement(names, geometry, (kh, kw), rotate=False),
                 {X: grads[X]}, {X: _arr(_dx(X4, K4, G4, geometry, rotate=False), seed)})]
    if geometry.stride > 1:
        out.append(prove("dx_no_dilation", _dx_statement(names, geometry, (kh, kw), dilate_g=False),
                         {X: grads[X]}, {X: _arr(_dx(X4, K4, G4, geometry, dilate_g=False), seed)}))
    return tuple(out)

