r"""Exact forward and backward formulas of 2-D mean and max pooling, with their rules proved.

Window :math:`k_h \times k_w`, stride :math:`s` (the window by default), zero padding :math:`p`:

.. math:: B_{ij} = \frac{1}{k_h k_w} \sum_{m,n} Apad_{is+m,\,js+n} \quad\text{(mean)}, \qquad
          B_{ij} = \max_{m,n} Apad_{is+m,\,js+n} \quad\text{(max)}

Mean pooling is linear, so its gradient is read off the terms (``scatter_grads``). When the windows tile the
input (:math:`s = k`) it is the seed's ``expand``, :math:`\mathrm{kron}(G, \mathbf{1}_{k \times k}) / k^2`,
with zero rows and columns where no window reaches; otherwise that form is wrong and the general rule is the
scatter-add, equivalently :math:`\mathrm{crop}_p(\mathrm{pad}_r(\mathrm{fullconv}(\mathrm{dilate}_s(G),
\mathbf{1}/k^2)))`, the same rule as strided convolution.

Max pooling is differentiated through ``Max(...).rewrite(Piecewise)``: its branches are tried in the window's
row-major order, so a tie goes to the FIRST maximum (the ``numpy.argmax`` convention, also the checker's).
``diff(Max(...))`` gives ``Heaviside``, 1/2 to each tied maximum: at a two-way tie a valid subgradient that only
differs from our convention, from three tied entries on not a subgradient (the halves sum past 1); every
tied maximum receiving the whole gradient is wrong at any tie. ``derivations.ties`` holds that policy and
each tie pitfall carries its verdict. The routing depends on the input, so max pooling needs ``values``.

>>> d = derive_pool2d("mean", (4, 4), 2)
>>> d.forward[0, 0], d.grads["A"][0, 1]
(A11/4 + A12/4 + A21/4 + A22/4, G11/4)
>>> seed = [1, 0, 4, 0, 0, 0, 8, 2, 5, 0, 0, 0, 20, 13, 25] + [0] * 21
>>> m = derive_pool2d("max", (6, 6), 3, values=seed)
>>> m.grads["A"][2, 2], m.grads["A"][2, 0], m.all_hold
(G11, 0, True)
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from .pool_rules import PoolGeometry, max_parts, mean_parts
from ._symbols import indices, seed_tensor
from ._symops import paused_gc
from ._types import Derivation, Meeting, Step
from .channels import stack_channels
from ._values import exact_values
from .cost import check_pool
from ._validate import GradproofError, one_of, out_size, pair, sizes

KINDS = ("mean", "max")
#: Max(...).rewrite(Piecewise) of n cells has n(n-1)/2 comparisons: 0.8 s at 25 cells, 7 s at 49.
MAX_WINDOW_CELLS = 25


def derive_pool2d(kind, input_shape, window, *, stride=None, pad=0, values=None) -> Derivation:
    r"""Derive and prove the gradient of 2-D pooling at a concrete shape (cached by its arguments).

    Seed names, 1-based: input ``A``, output ``B``, upstream gradient ``G``. ``window``, ``stride`` and
    ``pad`` are a whole number or a ``(rows, cols)`` pair; ``values`` (row-major, H*W numbers) are required
    for max pooling. Kronecker expansion is a rule when stride == window, a pitfall otherwise.

    >>> d = derive_pool2d("mean", (7, 7), 3, stride=2)
    >>> [r.name for r in d.rules], [(r.name, r.holds) for r in d.pitfalls]
    (['scatter_add', 'full_conv_dilate'], [('kron_expand', False)])
    """
    one_of("kind", kind, KINDS)
    dims = sizes("input_shape", input_shape, (2, 3))
    channels, (h, w) = (dims[0] if len(dims) == 3 else None), dims[-2:]
    pool_h, pool_w = pair("window", window)
    stride_h, stride_w = pair("stride", window if stride is None else stride)
    pad_h, pad_w = pair("pad", pad, low=0)
    if pool_h > h + 2 * pad_h or pool_w > w + 2 * pad_w:
        raise GradproofError(f"window {window!r} is larger than the padded input {h + 2 * pad_h}x{w + 2 * pad_w} "
                             f"(input_shape {tuple(input_shape)!r}, pad {pad!r})")
    vals = exact_values(values, (channels or 1) * h * w,
                        f"input_shape {dims}, row-major" + (" (channel by channel)" if channels else ""))
    if kind == "max":
        if vals is None:
            raise GradproofError("values is required for max pooling (the routing depends on them), got None")
        if pool_h * pool_w > MAX_WINDOW_CELLS:
            raise GradproofError(f"window {window!r} has {pool_h * pool_w} cells, more than the limit of "
                                 f"{MAX_WINDOW_CELLS} for max pooling (its Piecewise grows with the square of "
                                 f"the cells)")
        if pad_h >= pool_h or pad_w >= pool_w:
            raise GradproofError(f"pad must be smaller than the window for max pooling (a window of padding "
                                 f"alone has no maximum), got pad {pad!r} with window {window!r}")
    # predicted cost, before any symbolic work
    check_pool(kind, (h, w), (pool_h, pool_w), (stride_h, stride_w), (pad_h, pad_w), channels=channels or 1)
    with paused_gc():
        if channels is None:
            return _derive(kind, (h, w), (pool_h, pool_w), (stride_h, stride_w), (pad_h, pad_w), vals)
        per = h * w
        return stack_channels([_derive(kind, (h, w), (pool_h, pool_w), (stride_h, stride_w), (pad_h, pad_w),
                                       None if vals is None else vals[c * per:(c + 1) * per], channel=(c, channels))
                               for c in range(channels)])


@lru_cache(maxsize=32)
def _derive(kind, shape, window, stride, pad, vals, channel=None) -> Derivation:
    """One channel; ``channel = (c, C)`` names its symbols as slice c of C-channel tensors (A111, ...)."""
    (h, w), (pool_h, pool_w), (stride_h, stride_w), (pad_h, pad_w) = shape, window, stride, pad
    oh, ow = out_size(h, pool_h, stride=stride_h, pad=pad_h), out_size(w, pool_w, stride=stride_w, pad=pad_w)
    if channel is None:
        A, B, G = seed_tensor("A", (h, w)), seed_tensor("B", (oh, ow)), seed_tensor("G", (oh, ow))
    else:
        c, C = channel
        A, B, G = (seed_tensor(n, (C, *hw))[c, :, :] for n, hw in (("A", (h, w)), ("B", (oh, ow)), ("G", (oh, ow))))
    # cells[i][j]: the input positions window (i, j) covers, row-major; padding is no cell at all
    cells = [[[(i * stride_h + m - pad_h, j * stride_w + n - pad_w) for m in range(pool_h) for n in range(pool_w)
               if 0 <= i * stride_h + m - pad_h < h and 0 <= j * stride_w + n - pad_w < w]
              for j in range(ow)] for i in range(oh)]
    geometry = PoolGeometry(input_shape=(h, w), window=(pool_h, pool_w), stride=(stride_h, stride_w),
                            pad=(pad_h, pad_w),
                            output_shape=(oh, ow))
    steps = [Step("pool.shapes", {**geometry.as_dict(), "formula": "1 + (H + 2*pad - k) // s"})]
    parts = mean_parts(A, G, cells, geometry) if kind == "mean" else max_parts(A, G, cells, geometry, vals)
    symbols, more = {"A": A, "G": G, "B": B}, parts.steps
    if vals is not None:  # shown beside the symbols: the routing (and the output) depend on them
        symbols["values"] = sympy.ImmutableDenseNDimArray(vals, (h, w))
        at = dict(zip(sympy.flatten(A.tolist()), vals))
        more = [Step("pool.values", {"input": symbols["values"], "output": parts.forward.xreplace(at)}), *more]
    steps += [Step("pool.forward", {"output": B, "forward": parts.forward}), *more,
              Step("pool.proof", {"rules": parts.rules, "pitfalls": parts.pitfalls})]
    meets = {}
    for i, j in indices((oh, ow)):
        for (r, c), k in zip(cells[i][j], parts.coef[i][j]):
            meets.setdefault((r, c), []).append((k, B[i, j]))
    association = tuple(Meeting(A[r, c], tuple(meets.get((r, c), ()))) for r, c in indices((h, w)))
    # every size a (rows, cols) pair, square or not: one form for every reader of params
    params = {"kind": kind, **geometry.as_dict()}
    return Derivation(f"{kind}-pool", params, {"input": "A", "output": "B", "upstream": "G"},
                      symbols, parts.forward, parts.grads, tuple(parts.rules), association, tuple(steps),
                      general=parts.general, pitfalls=tuple(parts.pitfalls))
