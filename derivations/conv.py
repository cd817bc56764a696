r"""Exact forward and backward formulas of 2-D convolution (cross-correlation), with proofs.

In one glance, the general case (cs231n names: x (N, C, H, W), w (F, C, HH, WW), b (F,), dout = G; stride
``s``, zero padding ``P``, dilation ``d``; ``dilate_s`` puts s-1 zeros between entries, ``rot180`` turns
each kernel slice, ``full_xcorr`` slides over every overlap)::

    out[n,f,i,j] = b[f] + sum_{c,p,q} pad_P(x)[n,c, i*s + p*d, j*s + q*d] * w[f,c,p,q]
    dx[n,c] = crop_P(pad_r(sum_f full_xcorr(dilate_s(G[n,f]), rot180(dilate_d(w[f,c])))))
    dw[f,c] = (sum_n xcorr(pad_P(x[n,c]), dilate_s(G[n,f])))[::d, ::d]
    db[f]   = sum_{n,i,j} G[n,f,i,j]

``pad_r`` adds the ``r = (H + 2P - span) mod s`` bottom rows (right columns) the strided forward never
reached (their gradient is 0), ``span = d*(HH - 1) + 1``. With ``s = d = 1`` the dx line is
``dx = crop_P(full_conv(G, w))``: the full CONVOLUTION with the unrotated kernel, cropped by the padding.
The proofs of these rules, and of the classic wrong ones, are in ``derivations/conv_rules.py``.

Each output entry is a sum of products of one input entry and one kernel entry, so the gradient of
:math:`L = \sum G \cdot out` is read off the terms (``_backward.scatter_grads``), one step per term,
and the closed-form rules of ``conv_rules`` are proved against it entry by entry. dx of a strided,
padded convolution, as proved at one shape:

>>> derive_conv2d((1, 1, 5, 5), (1, 1, 3, 3), stride=2, pad=1).rule("dx_full_conv_rot180").statement
'dx[n,c] = crop_1(sum_f full_xcorr(dilate_2(dout[n,f]), rot180(w[f,c])))'
>>> d = derive_conv2d((5, 5), (3, 3), bias=False)
>>> d.forward[0, 0]
A11*K11 + A12*K12 + A13*K13 + A21*K21 + A22*K22 + A23*K23 + A31*K31 + A32*K32 + A33*K33
>>> [(r.name, r.holds) for r in d.rules]
[('dx_full_conv_rot180', True), ('dw_xcorr', True)]
>>> [(r.name, r.holds) for r in d.pitfalls]
[('dx_unrotated_kernel', False)]
"""
from __future__ import annotations

from functools import lru_cache

import sympy

from ._backward import scatter_grads
from ._progress import every, report
from .conv_rules import ConvGeometry, conv_pitfalls, conv_rules
from ._symbols import cs231n_tensor, indices, seed_tensor
from ._symops import nested, paused_gc, prod, rot180, total
from ._types import Derivation, Meeting, Step
from .conv_general import LazyGeneral
from .cost import check_conv
from ._validate import GradproofError, out_size, sizes, whole


def check_channels(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...]) -> None:
    """GradproofError unless a cs231n kernel ``(F, C, HH, WW)`` has the input's ``C`` channels."""
    if len(input_shape) == 4 and input_shape[1] != kernel_shape[1]:
        raise GradproofError(f"kernel_shape has {kernel_shape[1]} channels but input_shape has {input_shape[1]}: "
                             f"kernel_shape={kernel_shape!r}, input_shape={input_shape!r}")


def derive_conv2d(input_shape, kernel_shape, *, stride=1, pad=0, dilation=1, bias=True) -> Derivation:
    r"""Derive and prove the gradients of a 2-D convolution at a concrete shape (cached by its arguments).

    ``(H, W)`` with ``(HH, WW)`` uses the seed names: input ``A``, kernel ``K``, scalar bias ``b``,
    output ``B``, upstream gradient ``G``, 1-based. ``(N, C, H, W)`` with ``(F, C, HH, WW)`` uses the
    cs231n names ``x``, ``w``, ``b``, ``out``, ``dout``, 0-based. ``grads`` is keyed by those names.

    >>> d = derive_conv2d((4, 4), (3, 3), stride=2, pad=1)
    >>> d.params["output_shape"], d.all_hold
    ((2, 2), True)
    """
    input_shape = sizes("input_shape", input_shape, (2, 4))
    kernel_shape = sizes("kernel_shape", kernel_shape, (len(input_shape),))
    stride, pad, dilation = whole("stride", stride), whole("pad", pad, low=0), whole("dilation", dilation)
    check_channels(input_shape, kernel_shape)
    h, w = input_shape[-2:]
    kh, kw = kernel_shape[-2:]
    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
    if span_h > h + 2 * pad or span_w > w + 2 * pad:
        raise GradproofError(f"kernel_shape {kernel_shape!r} (span {span_h}x{span_w} with dilation {dilation}) "
                             f"is larger than the padded input {h + 2 * pad}x{w + 2 * pad}")
    check_conv(input_shape, kernel_shape, stride=stride, pad=pad, dilation=dilation)
    with paused_gc():
        return _derive(input_shape, kernel_shape, stride, pad, dilation, bool(bias))


@lru_cache(maxsize=32)
def _derive(input_shape, kernel_shape, stride, pad, dilation, bias) -> Derivation:
    seed = len(input_shape) == 2
    full_in = input_shape if not seed else (1, 1) + input_shape
    full_k = kernel_shape if not seed else (1, 1) + kernel_shape
    n, c, h, w = full_in
    f, _, kh, kw = full_k
    oh, ow = out_size(h, kh, stride=stride, pad=pad, dilation=dilation), out_size(w, kw, stride=stride, pad=pad,
                                                                                   dilation=dilation)
    if seed:
        names = {"input": "A", "kernel": "K", "bias": "b", "output": "B", "upstream": "G"}
        x, k, g, o = (seed_tensor(nm, s) for nm, s in
                      (("A", (h, w)), ("K", (kh, kw)), ("G", (oh, ow)), ("B", (oh, ow))))
        bs = sympy.ImmutableDenseNDimArray([sympy.Symbol("b", real=True)], (1,))
        X4, K4, G4 = (a.reshape(1, 1, *a.shape) for a in (x, k, g))
    else:
        names = {"input": "x", "kernel": "w", "bias": "b", "output": "out", "upstream": "dout"}
        x, k, bs = cs231n_tensor("x", full_in), cs231n_tensor("w", full_k), cs231n_tensor("b", (f,))
        g, o = cs231n_tensor("dout", (n, f, oh, ow)), cs231n_tensor("out", (n, f, oh, ow))
        X4, K4, G4 = x, k, g

    # Nested lists: indexing a SymPy Array costs ~0.2 ms, a list ~50 ns, and this loop runs once per term.
    X4, K4, G4, B = nested(X4), nested(K4), nested(G4), nested(bs)
    # Forward: one product per (input entry, kernel entry) pair that meets; padding contributes nothing.
    fwd, meets = [], {}
    entries, step = n * f * oh * ow, every(n * f * oh * ow)
    for done, (nn, ff, i, j) in enumerate(indices((n, f, oh, ow))):
        if done % step == 0:
            report("forward", done, entries)
        prods = [] if not bias else [B[ff]]
        for cc, p, q in indices((c, kh, kw)):
            r, s = i * stride + p * dilation - pad, j * stride + q * dilation - pad
            if 0 <= r < h and 0 <= s < w:
                prods.append(prod(X4[nn][cc][r][s], K4[ff][cc][p][q]))
                meets.setdefault((nn, cc, r, s), []).append((K4[ff][cc][p][q], (nn, ff, i, j)))
        fwd.append(total(prods))
    out_shape = (oh, ow) if seed else (n, f, oh, ow)
    forward = sympy.ImmutableDenseNDimArray(fwd, out_shape)

    variables = {names["input"]: x, names["kernel"]: k}
    if bias:
        variables["b"] = bs
    report("forward", entries, entries)
    grads = scatter_grads(forward, g, variables, expanded=True)

    O4 = nested(o.reshape(1, 1, oh, ow) if seed else o)
    association = tuple(
        Meeting(X4[a][b][i][j], tuple((kk, O4[oi[0]][oi[1]][oi[2]][oi[3]])
                                      for kk, oi in sorted(meets.get((a, b, i, j), []), key=lambda t: t[1])))
        for a, b, i, j in indices((n, c, h, w))
    )
    params = {"input_shape": input_shape, "kernel_shape": kernel_shape, "stride": stride, "pad": pad,
              "dilation": dilation, "bias": bias, "output_shape": out_shape}
    geometry = ConvGeometry(stride=stride, pad=pad, dilation=dilation, H=h, W=w)
    report("proofs", 0, 2)
    rules = conv_rules(names, X4, K4, G4, grads, geometry, seed=seed, bias=bias)
    report("proofs", 1, 2)
    pitfalls = conv_pitfalls(names, X4, K4, G4, grads, geometry, seed=seed)
    report("proofs", 2, 2)
    symbols = {names["input"]: x, names["kernel"]: k, names["upstream"]: g, names["output"]: o}
    if bias:
        symbols["b"] = bs
    steps = (
        Step("conv.shapes", {"input_shape": input_shape, "kernel_shape": kernel_shape, "output_shape": out_shape,
                             "stride": stride, "pad": pad, "dilation": dilation, "H": h, "HH": kh}),
        Step("conv.forward", {"output": o, "forward": forward}),
        Step("conv.backward", {"upstream": g, "grad": grads[names["input"]], "input": x}),
        Step("conv.association", {"association": association}),
        Step("conv.rot180", {"kernel": k, "rotated": _rot180_array(k)}),
        *([Step("conv.dilate", {"stride": stride, "upstream": g})] if stride > 1 else []),
        Step("conv.proof", {"rules": rules, "pitfalls": pitfalls}),
    )
    general = LazyGeneral(stride=stride, pad=pad, dilation=dilation) if seed else {}
    return Derivation("conv2d", params, names, symbols, forward, grads, rules, association, steps,
                      general=general, pitfalls=pitfalls)


def _rot180_array(k: sympy.Array) -> sympy.Array:
    """The kernel turned by 180 degrees; in the cs231n layout each (f, c) slice is turned."""
    if len(k.shape) == 2:
        return sympy.ImmutableDenseNDimArray(rot180(nested(k)), k.shape)
    return sympy.ImmutableDenseNDimArray([[rot180(s) for s in fs] for fs in nested(k)], k.shape)
