r"""Exact forward and backward formulas of the dense (fully connected, affine) layer, with proofs.

Layout (cs231n's ``affine_forward`` and the course notes' ``Softmax`` layer, ``np.dot(input, weights)``):
the weights are ``w`` of shape (D, M), input size D by M units, and a row of inputs multiplies them,

.. math:: out_{n,m} = b_m + \sum_d x_{n,d}\, w_{d,m} \qquad (out = x w + b;\ \text{in column form } z = w^T x + b)

.. math:: dx = dout\, w^T, \qquad dw = x^T dout, \qquad db_m = \sum_n dout_{n,m}

The forward is a sum of products, so the exact gradient of :math:`L = \sum dout \cdot out` is read off its
terms (``_backward.scatter_grads``) and each rule is proved against it entry by entry. The pitfalls are the
transposes that a shape check alone can miss: with D = M they have the right shape and wrong entries.

>>> d = derive_dense(2, 2)
>>> d.forward[0]
b_0 + w_0_0*x_0 + w_1_0*x_1
>>> d.grads["w"][1, 0], d.all_hold
(dout_0*x_1, True)
>>> [(r.name, r.holds) for r in d.pitfalls]
[('dw_transposed', False), ('dx_untransposed_w', False), ('db_first_row_only', True)]
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ._backward import scatter_grads
from ._proof import prove
from ._symbols import cs231n_tensor, indices
from .cost import DENSE_MAX_PRODUCTS
from ._types import Derivation, Step
from ._validate import GradproofError, whole

#: D*M*N products (measured in ``cost``, which the command line asks before SymPy loads; 8 x 8 with a batch of
#: 4: 0.2 s); the course notes' 1352 x 10 layer is the checker's numeric work, not SymPy's
MAX_PRODUCTS = DENSE_MAX_PRODUCTS


def _arr(entries, shape):
    return sympy.ImmutableDenseNDimArray(list(entries), shape)


def derive_dense(input_size, units, *, batch=None) -> Derivation:
    r"""Derive and prove the dense layer's gradients for D = ``input_size`` inputs and M = ``units`` (cached).

    cs231n names, 0-based: ``x`` (D,) or, with ``batch`` = N, (N, D); ``w`` (D, M); ``b`` (M,); ``out`` and
    ``dout`` (M,) or (N, M). ``grads`` holds ``x``, ``w`` and ``b``.

    >>> derive_dense(2, 2, batch=3).rule("db_sum_rows").holds
    True
    """
    D, M = whole("input_size", input_size), whole("units", units)
    N = None if batch is None else whole("batch", batch)
    if D * M * (N or 1) > MAX_PRODUCTS:
        raise GradproofError(f"input_size {D} x units {M} x batch {N or 1} has {D * M * (N or 1)} products, "
                             f"more than the {MAX_PRODUCTS} an exact derivation takes quickly")
    return _derive(D, M, N)


@lru_cache(maxsize=16)
def _derive(D, M, N) -> Derivation:
    rows = N or 1
    xs, os = ((D,), (M,)) if N is None else ((N, D), (N, M))
    x, w, b = cs231n_tensor("x", xs), cs231n_tensor("w", (D, M)), cs231n_tensor("b", (M,))
    dout, out = cs231n_tensor("dout", os), cs231n_tensor("out", os)
    X = [[x[d] for d in range(D)]] if N is None else [[x[n, d] for d in range(D)] for n in range(rows)]
    G = [[dout[m] for m in range(M)]] if N is None else [[dout[n, m] for m in range(M)] for n in range(rows)]
    W = [[w[d, m] for m in range(M)] for d in range(D)]
    fwd = [b[m] + sympy.Add(*[X[n][d] * W[d][m] for d in range(D)]) for n, m in indices((rows, M))]
    forward = _arr(fwd, os)
    grads = scatter_grads(forward, dout, {"x": x, "w": w, "b": b})

    def matmul(a, bb, i, j, k):  # (i x k) @ (k x j), entries given as functions of indices
        return [sympy.Add(*[a(r, t) * bb(t, c) for t in range(k)]) for r, c in indices((i, j))]

    dx = _arr(matmul(lambda n, m: G[n][m], lambda m, d: W[d][m], rows, D, M), xs)
    dw = _arr(matmul(lambda d, n: X[n][d], lambda n, m: G[n][m], D, M, rows), (D, M))
    db = _arr([sympy.Add(*[G[n][m] for n in range(rows)]) for m in range(M)], (M,))
    rules = (prove("dx_dout_wT", "dx = dout @ w.T", {"x": grads["x"]}, {"x": dx}),
             prove("dw_xT_dout", "dw = x.T @ dout", {"w": grads["w"]}, {"w": dw}),
             prove("db_sum_rows", "db = dout summed over the rows (the batch)", {"b": grads["b"]}, {"b": db}))
    # dw written the other way round: (M, D) when D != M, the right shape and wrong entries when D == M
    dw_t = _arr(matmul(lambda m, n: G[n][m], lambda n, d: X[n][d], M, D, rows), (M, D))
    db_0 = _arr([G[0][m] for m in range(M)], (M,))  # one example hides it; a batch of two shows it
    pitfalls = [prove("dw_transposed", "dw = dout.T @ x", {"w": grads["w"]}, {"w": dw_t}),
                prove("db_first_row_only", "db = dout[0]", {"b": grads["b"]}, {"b": db_0})]
    if D == M:  # dout @ w only runs when w is square; otherwise numpy refuses it and there is nothing to refute
        dx_w = _arr(matmul(lambda n, m: G[n][m], lambda m, d: W[m][d], rows, D, M), xs)
        pitfalls.insert(1, prove("dx_untransposed_w", "dx = dout @ w", {"x": grads["x"]}, {"x": dx_w}))
    pitfalls = tuple(pitfalls)
    steps = (Step("dense.shapes", {"input_shape": xs, "weight_shape": (D, M), "output_shape": os,
                                   "params": D * M + M, "layout": "out = x @ w + b"}),
             Step("dense.forward", {"output": out, "forward": forward}),
             Step("dense.backward", {"upstream": dout, "dx": grads["x"], "dw": grads["w"], "db": grads["b"]}),
             Step("dense.proof", {"rules": rules, "pitfalls": pitfalls}))
    params = {"input_size": D, "units": M, "batch": N, "input_shape": xs, "output_shape": os,
              "params": D * M + M}
    names = {"input": "x", "weight": "w", "bias": "b", "output": "out", "upstream": "dout"}
    return Derivation("dense", params, names, {"x": x, "w": w, "b": b, "dout": dout, "out": out}, forward,
                      grads, rules, (), steps, pitfalls=pitfalls)
