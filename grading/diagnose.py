"""Name a wrong answer: compare it with known-wrong variants the grader computes from the same inputs.

Each variant is one classic mistake written out in numpy (kernel not rotated, no dilation for stride,
padding not cropped, ``=`` instead of ``+=`` ...). A match is reported in plain words with the command
that shows the right derivation. Variants run in the grader only, on the grader's own copy of the inputs.

>>> import numpy as np
>>> from .configs import ConvConfig
>>> cfg = ConvConfig(1, 1, 4, 4, 1, 3, 3)
>>> a = cfg.inputs(0)
>>> [d.key for d in diagnose("conv_forward", "out", cfg, a, ops.conv2d_forward(a["x"], a["w"]))]
['no_bias']
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from checker import ops, pool_ops
from .compare import close
from .interfaces import spec_named
from .notes_cnn import notes_variants
from .spec import FORWARDS


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: a stable key, the sentence a student reads, the command that teaches the fix."""

    key: str
    words: str
    command: str


def _conv(cfg, a, **kw):
    return ops.conv2d_backward(a["dout"], a["x"], a["w"], stride=cfg.stride, pad=cfg.pad, **kw)


def _dx_undilated(cfg, a):
    """dx as if the stride were 1: dout convolved without the zeros the stride inserts."""
    n, c, h, w = a["x"].shape
    h0, w0 = (a["dout"].shape[2] + cfg.HH - 1 - 2 * cfg.pad, a["dout"].shape[3] + cfg.WW - 1 - 2 * cfg.pad)
    if cfg.stride == 1 or h0 < 1 or w0 < 1:
        return None
    dx = ops.conv2d_backward(a["dout"], np.zeros((n, c, h0, w0)), a["w"], pad=cfg.pad)[0]
    return ops.pad2d(dx, 0, max(0, h - h0), 0, max(0, w - w0))[..., :h, :w]


def _dx_padded(cfg, a):
    """dx of the padded input, before cropping."""
    return ops.conv2d_backward(a["dout"], ops.pad2d(a["x"], cfg.pad), a["w"], stride=cfg.stride)[0]


def _dw_undilated(cfg, a):
    """dw as if the stride were 1: the reference's dw with dout correlated as it is, without its zeros."""
    if cfg.stride == 1:
        return None
    g = a["dout"]
    if (cfg.H + 2 * cfg.pad < g.shape[2] + cfg.HH - 1) or (cfg.W + 2 * cfg.pad < g.shape[3] + cfg.WW - 1):
        return None  # dout undilated is too large for a whole kernel's worth of correlation
    return ops.conv2d_backward(g, a["x"], a["w"], pad=cfg.pad)[1]


def _route(cfg, dout, x, assign=False, stride=None, all_ties=False):
    """Max-pool backward written as the loop students write, with the classic slips as switches
    (the whole-window slip is mean-pool backward times the window size, see ``_variants``);
    ``all_ties``: ``dx[window] += (window == window.max()) * dout``."""
    s = stride or cfg.stride
    dx = np.zeros_like(x, dtype=float)
    ho, wo = dout.shape[-2:]
    if (ho - 1) * s + cfg.pool_h > x.shape[-2] or (wo - 1) * s + cfg.pool_w > x.shape[-1]:
        return None
    for idx in np.ndindex(x.shape[:-2]):
        for i in range(ho):
            for j in range(wo):
                win = x[idx][i * s : i * s + cfg.pool_h, j * s : j * s + cfg.pool_w]
                view = dx[idx][i * s : i * s + cfg.pool_h, j * s : j * s + cfg.pool_w]
                p, q = np.unravel_index(int(win.argmax()), win.shape)
                if all_ties:
                    view += (win == win.max()) * dout[idx][i, j]
                elif assign:
                    view[p, q] = dout[idx][i, j]
                else:
                    view[p, q] += dout[idx][i, j]
    return dx


def _variants(role, part, cfg, a):
    """(key, words, thunk) for every mistake that can be told apart in this role and part."""
    if role == "conv_forward":
        yield "no_bias", "the forward leaves out the bias b", lambda: ops.conv2d_forward(
            a["x"], a["w"], stride=cfg.stride, pad=cfg.pad)
        yield "fwd_rotated", "the forward rotates the kernel (a true convolution, not the cross-correlation " \
              "layers compute)", lambda: ops.conv2d_forward(a["x"], ops.rot180(a["w"]), a["b"], stride=cfg.stride,
                                                            pad=cfg.pad)
        if cfg.stride != cfg.HH:
            yield "stride_as_window", "the stride is taken as the kernel size", lambda: ops.conv2d_forward(
                a["x"], a["w"], a["b"], stride=cfg.HH, pad=cfg.pad)
    elif role == "conv_backward" and part == "dx":
        yield "not_rotated", "dx uses the kernel without rotating it by 180 degrees (full convolution needs " \
              "rot180(w))", lambda: _conv(cfg, {**a, "w": ops.rot180(a["w"])})[0]
        yield "no_dilation", "dx skips the dilation: with stride s, dout needs s-1 zeros between entries " \
              "before the full convolution", lambda: _dx_undilated(cfg, a)
        yield "not_cropped", "dx is the gradient of the padded input: the padding was not cropped off", \
            lambda: _dx_padded(cfg, a)
        h, w = a["x"].shape[-2:]
        if cfg.pad == 0:
            yield "unpad_slice", "dx is empty when pad = 0: the usual cause is cutting the padded gradient with " \
                  "[pad:-pad] (x[0:-0] is x[0:0]); cut [pad:pad + H, pad:pad + W] instead", \
                lambda: np.zeros(a["x"].shape[:2] + (0, 0))
        for off in sorted({0, 1, 2 * cfg.pad} - {cfg.pad}):
            yield "crop_constant", f"dx crops the padded gradient at offset {off} instead of the pad {cfg.pad}", \
                lambda off=off: _dx_padded(cfg, a)[..., off : off + h, off : off + w]
    elif role == "conv_backward" and part == "dw":
        yield "dw_swapped", "dw has its F and C axes swapped", lambda: _conv(cfg, a)[1].transpose(1, 0, 2, 3)
        yield "dw_swapped", "dw has its kernel rows and columns swapped", lambda: _conv(cfg, a)[1].transpose(
            0, 1, 3, 2)
        yield "dw_rotated", "dw is rotated by 180 degrees (correlate x with dout, do not convolve)", \
            lambda: ops.rot180(_conv(cfg, a)[1])
        yield "no_dilation", "dw skips the dilation of dout for stride > 1", lambda: _dw_undilated(cfg, a)
    elif role == "conv_backward" and part == "db":
        yield "db_batch", "db is not summed over the batch (only one example, or per example)", \
            lambda: a["dout"][0].sum(axis=(1, 2))
        yield "db_batch", "db is not summed over the batch (one row per example)", \
            lambda: a["dout"].sum(axis=(2, 3))
        yield "db_mean", "db averages over the batch instead of summing", lambda: a["dout"].sum(axis=(0, 2, 3)) / len(
            a["dout"])
    elif role == "pool_forward":
        if cfg.stride != cfg.pool_h:
            yield "stride_as_window", "the stride is taken as the window size", lambda: pool_ops.maxpool_forward(
                a["x"], cfg.pool_h, cfg.pool_w, stride=cfg.pool_h)
        yield "mean_not_max", "the forward averages the window instead of taking its maximum", \
            lambda: pool_ops.meanpool_forward(a["x"], cfg.pool_h, cfg.pool_w, stride=cfg.stride)
    elif role in ("pool_backward", "pool2d"):
        g, x = (a["dout"], a["x"]) if role == "pool_backward" else (a["g"], a["a"])
        if cfg.ties:
            yield "tie_all", "at a tie (e.g. zeros after a ReLU) every tied maximum gets the whole gradient " \
                  "(win == win.max()): the window's gradient must go to one maximum, or be split among the tied " \
                  "maxima so that it adds up to dout", lambda: _route(cfg, g, x, all_ties=True)
        yield "assign", "overlapping windows: the gradient is assigned (=) where it must be added (+=), so a " \
              "cell that is the maximum of two windows keeps only one gradient", lambda: _route(cfg, g, x, assign=True)
        yield "whole_window", "the gradient is sent to the whole window instead of only its maximum", \
            lambda: (pool_ops.meanpool_backward(g, x.shape, cfg.pool_h, cfg.pool_w, stride=cfg.stride)
                     * (cfg.pool_h * cfg.pool_w))
        if cfg.stride != cfg.pool_h:
            yield "stride_as_window", "the stride is taken as the window size", lambda: _route(cfg, g, x,
                                                                                              stride=cfg.pool_h)
    elif role == "mean2d":
        k = cfg.pool_h * cfg.pool_w
        yield "missing_1_k2", "mean-pool backward misses the 1/k^2 factor (each input is 1/k^2 of the mean)", \
            lambda: pool_ops.kron_upsample(a["g"], (cfg.pool_h, cfg.pool_w)) * k
        yield "one_over_k", "mean-pool backward divides by k instead of k^2", \
            lambda: pool_ops.kron_upsample(a["g"], (cfg.pool_h, cfg.pool_w)) * k / max(cfg.pool_h, cfg.pool_w)
    elif role == "xcorr2d":
        yield "fwd_rotated", "the kernel is rotated: that is convolution, not cross-correlation", \
            lambda: ops.xcorr2d(a["a"], ops.rot180(a["k"]))
    elif role == "full_conv2d":
        yield "not_rotated", "the kernel is not rotated by 180 degrees", lambda: ops.full_conv2d(
            a["a"], ops.rot180(a["k"]))
    elif role == "rot180":
        yield "one_axis", "only the rows are flipped (a 180-degree rotation flips rows and columns)", \
            lambda: a["k"][::-1]
        yield "one_axis", "only the columns are flipped (a 180-degree rotation flips rows and columns)", \
            lambda: a["k"][:, ::-1]
        yield "transposed", "the kernel is transposed, not rotated", lambda: a["k"].T


def _tie_values(inputs) -> np.ndarray:
    """A tie case's first input plane for ``--values``: its entries are multiples of 1/2, so doubled they
    are integers with the same ties (the derivation's rule does not depend on the scale)."""
    x = np.asarray(inputs["x"] if "x" in inputs else inputs["a"])
    return np.rint(2 * x[(0,) * (x.ndim - 2)]).astype(int).ravel()


def _role(function: str) -> str:
    """The role of the student function ``function`` (``FunctionSpec.role``); a role's own name passes."""
    spec = spec_named(function)
    return function if spec is None else spec.role


def diagnose(function: str, part: str, cfg, inputs: dict, actual) -> list[Diagnosis]:
    """Every known mistake whose answer equals ``actual`` on this case (usually zero or one)."""
    role = _role(function)
    found = []
    if actual is None:
        return found
    actual = np.asarray(actual)
    variants = notes_variants(function, part, cfg, inputs) if role == "notes_layer" else _variants(role, part, cfg, inputs)
    for key, words, thunk in variants:
        try:
            wrong = thunk()
        except Exception:  # noqa: BLE001 - a mistake that cannot even produce an answer here names nothing
            continue
        wrong = None if wrong is None else np.asarray(wrong, dtype=float)
        # an empty answer matches any empty answer: only the mistake that is about emptiness may claim it
        if wrong is not None and (wrong.size or key == "unpad_slice") and close(actual, wrong):
            # meanpool_backward2d pools with stride = window, whatever the case's stride says
            shown = replace(cfg, stride=cfg.pool_h) if role == "mean2d" else cfg
            values = _tie_values(inputs) if key == "tie_all" else None
            found.append(Diagnosis(key, words, shown.command("mean-pool" if role == "mean2d" else "max-pool", values)))
    if not found and role in FORWARDS and actual.ndim == 4:
        ref = cfg.out_hw[0]
        if abs(actual.shape[2] - ref) == 1:
            found.append(Diagnosis("off_by_one", f"the output size is off by one: {actual.shape[2]} rows where "
                                   f"H' = 1 + (H + 2*pad - HH) // stride = {ref}", cfg.command()))
    return found


def output_size(function: str, outcomes) -> Diagnosis | None:
    """One diagnosis of a forward's output size from EVERY case whose shape was wrong (``runner.CaseOutcome``
    list): "off by one" only when it is off by one on all of them, else the rule with the numbers of the case
    that is furthest off, so that the words agree with the table of failures a student reads beside them."""
    role = _role(function)
    if role not in FORWARDS:
        return None
    wrong = []
    for c in outcomes:
        a = c.actual[0] if c.actual else None
        if a is None or np.ndim(a) != 4 or not c.verdicts or c.verdicts[0].kind != "shape":
            continue
        (h, w), (rh, rw) = np.shape(a)[2:], c.refs[0].shape[2:]
        wrong.append((max(abs(h - rh), abs(w - rw)), c, f"{h}x{w}", f"{rh}x{rw}"))
    if not wrong:
        return None
    off, c, got, want = max(wrong, key=lambda t: t[0])
    rule = "1 + (H + 2*pad - HH) // stride" if role == "conv_forward" else "1 + (H - pool_height) // stride"
    where = f"on {c.cfg.describe()} the output is {got} where H' = {rule} gives {want}"
    if off == 1:
        return Diagnosis("off_by_one", f"the output size is off by one: {where}", c.cfg.command())
    return Diagnosis("out_size", f"the output size is wrong: {where}", c.cfg.command())
