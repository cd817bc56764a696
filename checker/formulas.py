r"""The derived SymPy formulas as numpy functions, so that finite differences can check the formulas themselves.

``derivations`` proves each closed-form rule equal to the exact gradient it reads off the forward; this module
closes the loop from the other side: the exact forward and gradient arrays are lambdified and the gradient is
compared with finite differences of the forward, like any other implementation. Lambdified per-entry code is
20-40x slower than the numpy templates in ``ops``/``pool_ops``, so it is for small shapes only.

>>> import numpy as np
>>> fwd, bwd = conv_formula((1, 1, 3, 3), (1, 1, 2, 2))
>>> x, w, b = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.zeros(1)
>>> fwd(x, w, b)[0, 0].tolist(), bwd(np.ones((1, 1, 2, 2)), x, w, b)[2].tolist()
([[4.0, 4.0], [4.0, 4.0]], [4.0])
"""
from __future__ import annotations

import numpy as np
import sympy

# at module top: this module needs SymPy anyway (lambdify), which is what derivations' import costs
from derivations.conv import derive_conv2d
from derivations.pool import derive_pool2d


def _flat(arr) -> list:
    return list(arr.reshape(len(arr)).tolist()) if arr.shape else [arr]


def _compile(inputs, outputs):
    """One numpy function from a flat list of input symbols to a list of flat output arrays."""
    f = sympy.lambdify([inputs], [_flat(o) for o in outputs], modules="numpy")
    shapes = [tuple(int(s) for s in o.shape) for o in outputs]

    def run(values):
        got = f(values)
        return [np.asarray(g, dtype=float).reshape(s) for g, s in zip(got, shapes)]

    return run


def conv_formula(x_shape, w_shape, *, stride=1, pad=0, dilation=1):
    """(forward, backward) numpy functions lambdified from ``derive_conv2d`` in the cs231n layout."""
    d = derive_conv2d(tuple(x_shape), tuple(w_shape), stride=stride, pad=pad, dilation=dilation)
    x, w, b, dout = (d.symbols[k] for k in ("x", "w", "b", "dout"))
    params = _flat(x) + _flat(w) + _flat(b)
    fwd = _compile(params, [d.forward])
    bwd = _compile(params + _flat(dout), [d.grads["x"], d.grads["w"], d.grads["b"]])

    def forward(xv, wv, bv):
        return fwd(np.concatenate([xv.ravel(), wv.ravel(), bv.ravel()]))[0]

    def backward(g, xv, wv, bv):
        return tuple(bwd(np.concatenate([xv.ravel(), wv.ravel(), bv.ravel(), g.ravel()])))

    return forward, backward


def pool_formula(kind, x, window, *, stride, pad=0):
    """(forward, backward) for one (H, W) input, lambdified from ``derive_pool2d``.

    Max pooling's routing depends on the values, so the derivation is made at ``x``: its gradient is exact
    for every input whose maxima sit where ``x``'s do (inputs within a tie-free gap of ``x``).
    """
    values = [float(v) for v in np.asarray(x, dtype=float).ravel()] if kind == "max" else None
    d = derive_pool2d(kind, tuple(x.shape), window, stride=stride, pad=pad, values=values)
    a, g = d.symbols["A"], d.symbols["G"]
    fwd = _compile(_flat(a), [d.forward])
    bwd = _compile(_flat(a) + _flat(g), [d.grads["A"]])

    def forward(xv):
        return fwd(xv.ravel())[0]

    def backward(gv, xv):
        return bwd(np.concatenate([xv.ravel(), gv.ravel()]))[0]

    return forward, backward
