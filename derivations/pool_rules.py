r"""The pooling rules on SymPy arrays: the exact gradient, the closed forms, and the classic wrong ones.

``cells[i][j]`` lists the input positions window (i, j) covers in row-major order (padding left out), so
every function here is plain bookkeeping over windows; ``derive_pool2d`` builds it and the data objects.

>>> max_template(2).branches
((w000, w000 >= w001), (w001, True))
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

import sympy

from ._backward import scatter_grads
from ._proof import prove
from ._symbols import indices
from ._symops import crop, full_xcorr, nested, pad
from ._types import Step
from .ties import classify_max_routing, worst

Z = sympy.S.Zero
Pair = tuple[int, int]


@dataclass(frozen=True)
class PoolGeometry:
    """One pooling's sizes, each a ``(rows, cols)`` pair; these are also the derivation's ``params``."""

    input_shape: Pair
    window: Pair  # (pool_h, pool_w)
    stride: Pair
    pad: Pair
    output_shape: Pair

    def as_dict(self) -> dict:
        return {"input_shape": self.input_shape, "window": self.window, "stride": self.stride, "pad": self.pad,
                "output_shape": self.output_shape}


@dataclass(frozen=True)
class PoolParts:
    """What ``mean_parts`` / ``max_parts`` give ``derive_pool2d``: the exact data and the teaching steps."""

    forward: sympy.Array
    grads: dict
    rules: list
    pitfalls: list
    steps: list  # the kind's own teaching steps (Step), shown between the forward and the proofs
    general: dict[str, Any]  # index-notation formulas (mean) or the first window's Piecewise (max)
    coef: list  # coef[i][j][t]: d output (i, j) / d its t-th cell, for the association table


def _arr(rows):
    return sympy.ImmutableDenseNDimArray(rows, (len(rows), len(rows[0])))


def _zeros(h, w):
    return [[Z] * w for _ in range(h)]


def _scatter(h, w, cells, weights):
    """dA[r][c] = sum of weights[i][j][t] over the windows whose t-th cell is (r, c)."""
    terms = [[[] for _ in range(w)] for _ in range(h)]
    for i, row in enumerate(cells):
        for j, cs in enumerate(row):
            for (r, c), v in zip(cs, weights[i][j]):
                if v != 0:
                    terms[r][c].append(v)
    return [[sympy.Add(*t) for t in row] for row in terms]


def _uncovered_rule(exact, cells, h, w):
    """Cells that no window covers get zero gradient (rows/columns past the last window, gaps when s > k)."""
    covered = {rc for row in cells for cs in row for rc in cs}
    missing = [rc for rc in indices((h, w)) if rc not in covered]
    if not missing:
        return None, missing
    masked = [[exact[r, c] if (r, c) not in covered else Z for c in range(w)] for r in range(h)]
    rule = prove("uncovered_zero", "cells no window covers get zero gradient", {"A": _arr(masked)},
                 {"A": _arr(_zeros(h, w))})
    return rule, missing


def mean_parts(A, G, cells, geo: PoolGeometry) -> PoolParts:
    r"""Forward, exact gradient (read off the terms), rules and pitfalls of mean pooling."""
    (h, w), (oh, ow), (pool_h, pool_w) = geo.input_shape, geo.output_shape, geo.window
    (stride_h, stride_w), (pad_h, pad_w) = geo.stride, geo.pad
    a, g = nested(A), nested(G)
    q = sympy.Rational(1, pool_h * pool_w)  # padding counts: the divisor is always pool_h*pool_w
    forward = _arr([[q * sympy.Add(*[a[r][c] for r, c in cells[i][j]]) for j in range(ow)] for i in range(oh)])
    grads = scatter_grads(forward, G, {"A": A})
    exact = {"A": grads["A"]}
    coef = [[[q] * len(cs) for cs in row] for row in cells]

    scatter = _scatter(h, w, cells, [[[g[i][j] * q] * len(cs) for j, cs in enumerate(row)]
                                     for i, row in enumerate(cells)])
    rules = [prove("scatter_add", "dA[is+m-p, js+n-p] += G[i,j]/(kh*kw)", exact,
                   {"A": _arr(scatter)})]
    dil = _zeros((oh - 1) * stride_h + 1, (ow - 1) * stride_w + 1)
    for i, j in indices((oh, ow)):
        dil[i * stride_h][j * stride_w] = g[i][j]
    full = full_xcorr(dil, [[q] * pool_w for _ in range(pool_h)])  # ones are their own rot180
    rh, rw = h + 2 * pad_h - len(full), w + 2 * pad_w - len(full[0])
    fc = crop(pad(full, 0, rh, 0, rw), pad_h, pad_h, pad_w, pad_w)
    rules.append(prove("full_conv_dilate", "dA = crop_p(pad_r(full_conv(dilate_s(G), ones(kh,kw)/(kh*kw)))), "
                       "r = (H + 2p - k) mod s", exact, {"A": _arr(fc)}))

    kron = [[g[r // pool_h][c // pool_w] * q for c in range(ow * pool_w)] for r in range(oh * pool_h)]
    # else it keeps its wrong shape: the counterexample
    if oh * pool_h <= h + 2 * pad_h and ow * pool_w <= w + 2 * pad_w:
        kron = crop(pad(kron, 0, h + 2 * pad_h - oh * pool_h, 0, w + 2 * pad_w - ow * pool_w),
                    pad_h, pad_h, pad_w, pad_w)
    kron_rule = prove("kron_expand", "dA = kron(G, ones(kh,kw))/(kh*kw)", exact, {"A": _arr(kron)})
    tiles = (stride_h, stride_w) == (pool_h, pool_w)
    pitfalls = []
    (rules if tiles else pitfalls).append(kron_rule)
    unc, missing = _uncovered_rule(grads["A"], cells, h, w)
    if unc is not None:
        rules.append(unc)
    more = [Step("pool.scatter", {"grad": grads["A"], "upstream": G}),
            Step("pool.kron", {"tiles": tiles, "holds": kron_rule.holds, "upsampled": _arr(kron)}),
            Step("pool.fullconv", {"dilated": _arr(dil), "stride": (stride_h, stride_w)})]
    if missing:
        more.append(Step("pool.uncovered", {"cells": tuple(A[rc] for rc in missing)}))
    general = {"dA[r,c]": "Σ_{i,j: 0 <= r+p-i*s < kh, 0 <= c+p-j*s < kw} G[i,j] / (kh*kw)"}
    return PoolParts(forward, grads, rules, pitfalls, more, general, coef)


class MaxTemplate(NamedTuple):
    """The max of ``n`` window cells as dummies: its Piecewise branches and SymPy's Heaviside derivative."""

    cells: tuple  # the dummies w000, w001, ... in window order
    branches: tuple  # (expression, condition) pairs of Max(...).rewrite(Piecewise), tried in order
    heaviside: tuple  # diff(Max, cell) per cell, as SymPy gives it


@lru_cache(maxsize=None)
def max_template(n: int) -> MaxTemplate:
    r"""``Max`` of ``n`` ordered dummies rewritten as a Piecewise, and the Heaviside form of ``diff(Max)``
    (built directly: SymPy's own diff takes 22 s at 25 cells; a test checks the two agree for 4).

    Dummy names sort in window order (w000, w001, ...), so SymPy's canonical argument order is the row-major
    order and the Piecewise branches are tried first cell first: ties go to the first maximum.
    """
    ws = tuple(sympy.Symbol(f"w{t:03d}", real=True) for t in range(n))
    if n == 1:
        return MaxTemplate(ws, ((ws[0], sympy.true),), (sympy.S.One,))
    m = sympy.Max(*ws)
    branches = tuple(m.rewrite(sympy.Piecewise).args)
    if tuple(e for e, _ in branches) != ws:  # the tie convention rests on this order
        raise RuntimeError(f"Piecewise branches out of window order: {[e for e, _ in branches]}")
    # SymPy's diff(Max(...), v) is Heaviside(v - Max(others)); built directly because diff evaluates the
    # inner Max of n-1 real symbols pairwise (22 s at n = 25). tests/test_pool.py checks it equals diff.
    heavi = tuple(sympy.Heaviside(v - sympy.Max(*[u for u in ws if u is not v], evaluate=False)) for v in ws)
    return MaxTemplate(ws, branches, heavi)


def _first_branch(branches, sub):
    """The expression of the first branch whose condition holds at ``sub`` (how Piecewise evaluates)."""
    for e, cond in branches:
        if cond.xreplace(sub) == sympy.true:
            return e
    raise RuntimeError("no Piecewise branch holds")  # the last condition is True: unreachable


def max_parts(A, G, cells, geo: PoolGeometry, vals) -> PoolParts:
    r"""Forward, exact gradient at ``vals`` (through the Piecewise), rules and pitfalls of max pooling."""
    (h, w), (oh, ow) = geo.input_shape, geo.output_shape
    a, g = nested(A), nested(G)
    forward = _arr([[sympy.Max(*[a[r][c] for r, c in cells[i][j]]) for j in range(ow)] for i in range(oh)])
    exact_w, route_w, heavi_w, every_w, coef = [], [], [], [], []
    verdicts = {"heaviside_diff": [], "every_tie_gets_all": []}
    assign = _zeros(h, w)
    wins, ties = {}, []
    for i, row in enumerate(cells):
        for lst in (exact_w, route_w, heavi_w, every_w, coef):
            lst.append([])
        for j, cs in enumerate(row):
            t = max_template(len(cs))
            ws, branches, heavi = t.cells, t.branches, t.heaviside
            v = [vals[r * w + c] for r, c in cs]
            sub = dict(zip(ws, v))
            chosen = _first_branch(branches, sub)
            d = [sympy.diff(chosen, x) for x in ws]  # d/dA of the active branch: 1 for its cell, else 0
            coef[i].append(d)
            exact_w[i].append([g[i][j] * e for e in d])
            top = max(v)
            t = v.index(top)  # the rule, computed independently: the first maximum in row-major order
            route_w[i].append([g[i][j] if k == t else Z for k in range(len(cs))])
            hw = [e.xreplace(sub) for e in heavi]
            heavi_w[i].append([g[i][j] * e for e in hw])
            ew = [sympy.S.One if x == top else Z for x in v]  # (win == win.max()) * dout
            every_w[i].append([g[i][j] * e for e in ew])
            verdicts["heaviside_diff"].append(classify_max_routing(v, hw).verdict)
            verdicts["every_tie_gets_all"].append(classify_max_routing(v, ew).verdict)
            assign[cs[t][0]][cs[t][1]] = g[i][j]  # '=' instead of '+=': the last window wins
            wins[cs[t]] = wins.get(cs[t], 0) + 1
            if v.count(top) > 1:
                ties.append((i, j))
    exact = _arr(_scatter(h, w, cells, exact_w))
    grads = {"A": exact}
    ex = {"A": exact}
    rules = [prove("route_first_argmax", "dA[argmax of window (i,j)] += G[i,j]", ex, {"A": _arr(_scatter(h, w, cells, route_w))})]
    pitfalls = [replace(prove("heaviside_diff", "dA = Σ G·Heaviside(A - max(others))", ex,
                              {"A": _arr(_scatter(h, w, cells, heavi_w))}),
                        tie_verdict=worst(verdicts["heaviside_diff"])),
                replace(prove("every_tie_gets_all", "dA[m] += G[i,j] for each m with A[m] = max of window (i,j)", ex,
                              {"A": _arr(_scatter(h, w, cells, every_w))}),
                        tie_verdict=worst(verdicts["every_tie_gets_all"])),
                prove("assign_not_add", "dA[argmax] = G[i,j]", ex, {"A": _arr(assign)})]
    unc, missing = _uncovered_rule(exact, cells, h, w)
    if unc is not None:
        rules.append(unc)
    mask = _arr([[sympy.Integer(wins.get((r, c), 0)) for c in range(w)] for r in range(h)])
    t = max_template(len(cells[0][0]))
    ws, branches = t.cells, t.branches
    first = {x: a[r][c] for x, (r, c) in zip(ws, cells[0][0])}
    pw0 = sympy.Piecewise(*[(e.xreplace(first), c.xreplace(first)) for e, c in branches], evaluate=False)
    dpw0 = sympy.Piecewise(*[(sympy.diff(e, ws[0]), c.xreplace(first)) for e, c in branches], evaluate=False)
    a0 = a[cells[0][0][0][0]][cells[0][0][0][1]]
    # the first output's name: B11, or B111 for channel 1 of several (output and upstream share indices)
    b0 = sympy.Symbol("B" + g[0][0].name[1:], real=True)
    more = [Step("pool.piecewise", {"output": b0, "piecewise": pw0, "derivative": dpw0}),
            Step("pool.route", {"mask": mask, "grad": exact}),
            Step("pool.ties", {"convention": "first", "tied_windows": tuple(ties)})]
    multi = tuple(A[rc] for rc, k in sorted(wins.items()) if k > 1)
    if multi:
        more.append(Step("pool.accumulate", {"cells": multi}))
    if missing:
        more.append(Step("pool.uncovered", {"cells": tuple(A[rc] for rc in missing)}))
    general = {str(b0): pw0, f"∂{b0}/∂{a0}": dpw0}
    return PoolParts(forward, grads, rules, pitfalls, more, general, coef)
