r"""The cheap first look of ``mode="auto"``: one random direction through the arguments, four forward calls.

L(x + t s) for t in (+1, -1, +2, -2), s = h * v with v_i = +-(1 + u_i), u_i uniform in [0, 1): every entry
moves by at least its own step h_i (a Gaussian v would leave some entries nearly still, and an error there
unseen) and the sizes are continuous (an error of +e in one entry and -e in another cancel only by
chance, never by construction as with signs alone). The directional derivative <g, s> the backward implies
is judged by ``checker.verdict`` like one element: Richardson value, tolerance from its own spread and the
round-off of every output (all move). Agreement without a kink is a pass; a disagreement or a kink sends
the argument to the per-element differences, which localise, so a failing verdict still names an element.

A single entry off by e moves <g, s> by e * s_i; the tolerance over |s_i| is what the check could see,
stated per argument as a relative error (``strength``).

>>> import numpy as np
>>> x = np.linspace(-1.0, 1.0, 50)
>>> r = screen(lambda x: x ** 3, [x], [0], np.ones(50), x ** 3, [3 * x ** 2], eps=2.2e-16, rng=np.random.default_rng(0))
>>> r.ok, r.kinked, r.calls
(True, False, 4)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from checker.fd import SIGNS, Differences, step_sizes
from checker.verdict import judge


class Screen(NamedTuple):
    """The backward's directional derivative against the differences' one, along one random direction."""

    ok: bool
    kinked: bool  # a slope jump along the direction: the per-element differences must decide
    got: float
    expected: float
    tol: float
    calls: int
    strength: dict  # argument index -> smallest relative error in one typical entry that would have failed


def screen(call, args, which, dout, out0, grads, *, eps, rng, extra_rel=0.0, subset=None) -> Screen:
    """Move the arguments ``which`` together along one random direction; judge <grads, s> against it.

    ``subset``: flat entries of the (single) argument in ``which`` to move; the others stay still."""
    dirs, ones = {}, {}
    for i in which:
        x = args[i]
        v = rng.choice((-1.0, 1.0), size=x.shape) * (1.0 + rng.random(x.shape))
        if subset is not None:
            keep = np.zeros(x.size)
            keep[subset] = 1.0
            v = v * keep.reshape(x.shape)
        dirs[i] = step_sizes(x, eps=eps) * v
    base = np.asarray(out0, np.float64)
    d64 = np.asarray(dout, np.float64)
    delta, got_k = np.zeros(4), np.zeros(4)
    for k, t in enumerate(SIGNS):
        moved = list(args)
        for i in which:
            moved[i] = (args[i] + args[i].dtype.type(t) * dirs[i].astype(args[i].dtype)).astype(args[i].dtype)
            # the step actually taken (x + t s rounds): the backward is asked about that one
            ones.setdefault(i, []).append(moved[i].astype(np.float64) - args[i].astype(np.float64))
        out = np.asarray(call(*moved), np.float64)
        delta[k] = float(np.sum((out - base) * d64))
        got_k[k] = sum(float(np.sum(grads[i] * ones[i][k])) for i in which)
    # what rounding of the steps put between t * s1 and the steps taken, credited with the backward's own
    # gradient so that the differences see a straight line of slope <g, s1> when g is right
    got = (got_k[0] - got_k[1]) / 2.0
    delta = delta - (got_k - np.array(SIGNS) * got)
    weight = (np.abs(base) + float(np.sqrt(np.mean(base * base)))) * np.abs(d64)
    # every output moves: its round-off, added as the per-element differences add it (checker.fd)
    mag = float(np.sqrt(np.sum(weight ** 2))) if eps > 1e-10 else float(np.sum(weight))
    st = np.array(SIGNS)[:, None]
    d = Differences(h=np.ones(1), delta=delta[:, None], mag=np.array([mag]), steps=st, calls=4)
    res = judge("direction", d, np.array([got]), eps=eps, kinks="strict", extra_rel=extra_rel)
    curv = float(d.curvature[0])
    kinked = bool(curv > max(np.finfo(np.float64).eps ** (1 / 6) * abs(float(res.expected[0])), float(res.tol[0])))
    tol = float(res.tol[0])
    strength = {}
    for i in which:
        typical = float(np.median(np.abs(grads[i])))
        moved = np.abs(ones[i][0])
        if typical > 0 and subset is None:
            strength[i] = tol / float(np.median(moved)) / typical
    return Screen(bool(res.ok) and not kinked, kinked, got, float(res.expected[0]), tol, 4, strength)


def locate(call, args, i, dout, out0, grads, *, eps, rng, extra_rel=0.0, most=4):
    """Halve the entries of argument ``i`` while the halves that disagree stay few (at most ``most`` at a
    level): the entries left, each alone, are where the gradient is wrong. None when the errors are many
    (the per-element differences then see them all, and their pattern) or a half meets a kink.

    A single wrong entry among n costs 8 log2(n) forward calls instead of 4 n; every level judges with a
    fresh direction, and since every moved entry moves by at least its own step, an error the whole
    argument's screen saw is seen again in its half (the round-off term does not grow).
    """
    sets, calls = [np.arange(args[i].size)], 0
    while any(len(s) > 1 for s in sets):
        found = []
        for s in sets:
            halves = [s] if len(s) == 1 else [s[:len(s) // 2], s[len(s) // 2:]]
            for half in halves:
                if len(halves) == 1:
                    found.append(half)
                    continue
                sc = screen(call, args, [i], dout, out0, grads, eps=eps, rng=rng, extra_rel=extra_rel,
                            subset=half)
                calls += sc.calls
                if sc.kinked:
                    return None, calls
                if not sc.ok:
                    found.append(half)
        if not found or len(found) > most:
            return None, calls
        sets = found
    return np.concatenate(sets), calls
