r"""Flatten (reshape to a vector) and its backward, the inverse reshape, with the order made explicit.

Flatten reads its input in row-major (C) order, numpy's default ``x.flatten()``: the LAST axis varies
fastest. The course notes flatten the pooled (H, W, C) array (channels last), so entry (i, j, c) lands at

.. math:: out_{(i W + j) C + c} = x_{i,j,c}, \qquad dx = \mathrm{reshape}(dout, (H, W, C)) \text{ in the same order}

A reshape moves entries without changing them, so each output entry is one input entry and the exact
gradient (read off the terms) is that entry of ``dout``. Reshaping ``dout`` back in another order gives every
number to the wrong cell: column-major (``order='F'``), or channels-first (C, H, W) when the forward was
channels-last. Both are refuted with their first wrong cell whenever the orders differ (not for a vector).

>>> d = derive_flatten((2, 2, 2))
>>> d.forward[:4].tolist(), d.grads["x"][0, 1, 0]
([x_0_0_0, x_0_0_1, x_0_1_0, x_0_1_1], dout_2)
>>> [(r.name, r.holds) for r in d.rules + d.pitfalls]
[('dx_reshape_same_order', True), ('dx_reshape_column_major', False), ('dx_reshape_channels_first', False)]
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ._backward import scatter_grads
from ._proof import prove
from ._symbols import cs231n_tensor, indices
from .cost import FLATTEN_MAX_ENTRIES
from ._types import Derivation, Step
from ._validate import GradproofError, whole

#: entries of an exact flatten derivation (one proof per entry and order; measured in ``cost``)
MAX_ENTRIES = FLATTEN_MAX_ENTRIES


def row_major(shape, idx) -> int:
    """The flat position of ``idx`` in row-major (C) order.

    >>> row_major((13, 13, 8), (0, 1, 0))
    8
    """
    pos = 0
    for n, i in zip(shape, idx):
        pos = pos * n + i
    return pos


def derive_flatten(input_shape) -> Derivation:
    """Derive and prove flatten's backward at ``input_shape`` (cached); cs231n names ``x``, ``out``, ``dout``.

    >>> derive_flatten((3, 2)).params["output_shape"]
    (6,)
    """
    try:
        shape = tuple(whole("input_shape", v) for v in input_shape)
    except TypeError:
        raise GradproofError(f"input_shape must be a tuple of sizes, got {input_shape!r}") from None
    size = 1
    for v in shape:
        size *= v
    if not shape or size > MAX_ENTRIES:
        raise GradproofError(f"input_shape must have 1 to {MAX_ENTRIES} entries, got {input_shape!r}")
    return _derive(shape)


@lru_cache(maxsize=16)
def _derive(shape) -> Derivation:
    size = 1
    for v in shape:
        size *= v
    x, out, dout = cs231n_tensor("x", shape), cs231n_tensor("out", (size,)), cs231n_tensor("dout", (size,))
    forward = sympy.ImmutableDenseNDimArray([x[idx] for idx in indices(shape)], (size,))
    grads = scatter_grads(forward, dout, {"x": x})
    exact = {"x": grads["x"]}

    def back(position):  # dx[idx] = dout[position(idx)]
        return {"x": sympy.ImmutableDenseNDimArray([dout[position(idx)] for idx in indices(shape)], shape)}

    rules = (prove("dx_reshape_same_order", "dx = dout.reshape(x.shape) (row-major, as the forward)", exact,
                   back(lambda idx: row_major(shape, idx))),)
    # order='F': the FIRST axis varies fastest, i.e. row-major over the reversed shape and index
    pitfalls = [prove("dx_reshape_column_major", "dx = dout.reshape(x.shape, order='F')", exact,
                      back(lambda idx: row_major(shape[::-1], idx[::-1])))]
    if len(shape) == 3:  # (H, W, C) forward, read back as (C, H, W) and moved to channels last
        h, w, c = shape
        pitfalls.append(prove("dx_reshape_channels_first", "dx = dout.reshape(C, H, W).transpose(1, 2, 0)",
                              exact, back(lambda idx: row_major((c, h, w), (idx[2], idx[0], idx[1])))))
    pitfalls = tuple(pitfalls)
    steps = (Step("flatten.shapes", {"input_shape": shape, "output_shape": (size,), "order": "C"}),
             Step("flatten.forward", {"output": out, "forward": forward,
                                      "positions": tuple((idx, row_major(shape, idx)) for idx in indices(shape))}),
             Step("flatten.backward", {"upstream": dout, "grad": grads["x"]}),
             Step("flatten.proof", {"rules": rules, "pitfalls": pitfalls}))
    params = {"input_shape": shape, "output_shape": (size,), "order": "C"}
    return Derivation("flatten", params, {"input": "x", "output": "out", "upstream": "dout"},
                      {"x": x, "out": out, "dout": dout}, forward, grads, rules, (), steps, pitfalls=pitfalls)
