r"""Ties checked jointly: entries at a kink that share outputs are raised together, as well as one by one.

Per entry, a max-pool backward that hands every tied maximum the whole upstream gradient g looks fine: each
entry alone, raised, becomes the maximum (slope g), lowered, leaves it (slope 0), and g lies in [0, g]. The
window's gradient then sums to k*g at a k-way tie, which no subgradient does. Raising all tied entries of
a window together raises the maximum by the same step whatever the routing: along that direction the
function is linear, and every valid backward (one-hot route, any split with non-negative weights summing
to g) gives exactly g, while the whole-gradient mask gives k*g. The project's policy (notes on ties).

Groups: kinked entries linked through outputs that they both change (the association table recorded by
``checker.fd``); connected components share no output, so one probe raises every group at once, four
forward calls in all.

>>> import numpy as np
>>> groups(np.array([[0, 1, 2, 3], [0, 0, 1, 1]]), np.array([True, True, True, False]))
[array([0, 1])]
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from checker.fd import Differences, Probe, differences, step_sizes

EPS64 = float(np.finfo(np.float64).eps)


class TieCheck(NamedTuple):
    """One group of tied entries raised together: the sum of their gradients against the joint slope."""

    members: tuple[tuple[int, ...], ...]  # the entries (indices in the argument)
    got: float  # the backward's directional derivative: the sum of the members' gradients
    expected: float  # the finite-difference slope of the loss when all members rise together
    tol: float
    ok: bool
    whole: bool  # got equals the sum of each member's own one-sided rise: every tie got the whole gradient


def groups(touch: np.ndarray, kinked: np.ndarray) -> list[np.ndarray]:
    """Connected components (of two entries or more) of kinked entries that change a common output."""
    pairs = touch[:, kinked[touch[0]]] if touch.size else touch
    if not pairs.size:
        return []
    label = np.arange(kinked.size)
    elem, out = pairs
    # label propagation through the outputs: each round every entry takes the smallest label of any entry
    # sharing an output with it; a component of diameter d settles in d rounds
    while True:
        per_out = np.full(int(out.max()) + 1, kinked.size)
        np.minimum.at(per_out, out, label[elem])
        new = label.copy()
        np.minimum.at(new, elem, per_out[out])
        if np.array_equal(new, label):
            break
        label = new
    found = {}
    for e in np.unique(elem):
        found.setdefault(int(label[e]), []).append(int(e))
    return [np.array(m) for m in found.values() if len(m) >= 2]


def joint_differences(call, args, dout, *, arg, out0, d: Differences, members: list[np.ndarray]):
    """Four calls raising every group at once; per group, its loss change in the slot of its first member."""
    x = args[arg]
    h = step_sizes(x, eps=float(np.finfo(x.dtype).eps)).ravel()
    owner = np.full(out0.size, -1)
    for m in members:
        h[m] = h[m[0]]  # one step for the whole group: the direction is "all members up by h"
        owner[d.touch[1][np.isin(d.touch[0], m)]] = m[0]
    probe = Probe(np.concatenate(members), owner.reshape(out0.shape))
    return differences(call, args, dout, arg=arg, probes=[probe], out0=out0, h=h.reshape(x.shape))


def check_groups(name, call, args, dout, *, arg, out0, d: Differences, got: np.ndarray, judge, **judge_opts):
    """TieChecks of every group of tied entries of argument ``arg`` (``got`` flat), and the calls spent."""
    members = groups(d.touch, judge_opts.pop("kinked"))
    if not members:
        return (), 0
    j = joint_differences(call, args, dout, arg=arg, out0=out0, d=d, members=members)
    reps = np.array([m[0] for m in members])
    sub = Differences(h=j.h[reps], delta=j.delta[:, reps], mag=j.mag[reps], steps=j.steps[:, reps], calls=j.calls,
                      bracket=None if j.bracket is None else j.bracket[:, reps])
    sums = np.array([float(got[m].sum()) for m in members])
    res = judge(name, sub, sums, **judge_opts)
    # what each member's own rise gives, summed: the whole upstream gradient handed to every tied maximum
    alone = np.array([float(np.sum(d.delta[0, m] / d.steps[0, m])) for m in members])
    shape = args[arg].shape
    out = []
    for k, m in enumerate(members):
        idx = tuple(tuple(int(i) for i in np.unravel_index(e, shape)) for e in m)
        # the sum's own round-off: members' gradients of size |g| can cancel to a much smaller sum, and the
        # backward's additions over overlapping windows round at the size of the terms, not of the sum
        tol = float(res.tol.flat[k]) + 4 * judge_opts.get("eps", EPS64) * len(m) * float(np.abs(got[m]).sum())
        err = abs(sums[k] - res.expected.flat[k])
        bad = err > tol
        whole = bool(bad and abs(sums[k] - alone[k]) <= tol)
        out.append(TieCheck(idx, float(sums[k]), float(res.expected.flat[k]), tol, not bad, whole))
    return tuple(out), j.calls
