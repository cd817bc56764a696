r"""The differencing engine: central differences of the scalar loss L = <forward(...), dout>, per element.

A *probe* perturbs some entries of one argument at once and says, for every output entry, which perturbed
entry (a flat index into the argument) owns its change. A single-entry probe owns every output; a colouring
(see ``checker.colouring``) perturbs entries that share no output, so one forward call serves many entries.
Every probe is evaluated at four points x + t*h, t in (+1, -1, +2, -2): two step sizes give a Richardson
value and an error estimate per element (``checker.verdict``).

Why the loss is differenced output by output: ``sum((out_t - out_0) * dout)`` subtracts equal outputs
exactly, so only the entries a probe touches carry round-off; ``sum(out_t*dout) - sum(out_0*dout)`` would
pay the round-off of the whole sum for every entry.

>>> import numpy as np
>>> x = np.array([1.0, 2.0])
>>> d = differences(lambda a: a ** 2, (x,), np.ones(2), arg=0, probes=element_probes(x.shape))
>>> np.round(d.d1, 6).tolist()
[2.0, 4.0]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from checker.accumulate import Accumulator

SIGNS = (1.0, -1.0, 2.0, -2.0)


@dataclass(frozen=True)
class Probe:
    """Entries ``idx`` (flat, in the argument) moved together; ``owner`` maps outputs to the entry they answer to.

    ``sample`` is None when the probe perturbs the whole argument; an int when it perturbs one sample of a
    batched argument (then ``idx`` is still flat in the full argument but ``owner`` covers ``out[sample]``).
    ``owner`` is an int (every output answers to that entry) or an int array shaped like the outputs (or with
    size-1 axes where every output along that axis answers to the same entry), -1 = none.
    """

    idx: np.ndarray
    owner: int | np.ndarray
    sample: int | None = None


@dataclass(frozen=True)
class Differences:
    """Per-element loss changes of one argument at the four steps, and what they imply."""

    h: np.ndarray  # the actual step x+h - x (exactly representable), per element
    delta: np.ndarray  # (4, size): L(x + t h) - L(x) for t in SIGNS
    mag: np.ndarray  # (size,): sum of (|out_0| + rms out_0) |dout| over the outputs each element changes
    steps: np.ndarray  # (4, size): the actual signed steps (x + t h) - x
    calls: int  # forward calls spent
    # (2, size): per element, the sums over its outputs of the smallest and the largest of the four one-sided
    # slopes of each output (times dout). At a kink that is the whole set of valid slopes: a cell tied in two
    # overlapping windows whose upstream gradients have opposite signs may take any split in each window,
    # which the one-sided slopes of the loss alone (one sum over both windows) do not bracket.
    bracket: np.ndarray | None = None
    touch: np.ndarray | None = None  # (2, n): (element, flat output) pairs that some step changed

    @property
    def d1(self) -> np.ndarray:
        """Central difference at step h."""
        return (self.delta[0] - self.delta[1]) / (self.steps[0] - self.steps[1])

    @property
    def d2(self) -> np.ndarray:
        """Central difference at step 2h."""
        return (self.delta[2] - self.delta[3]) / (self.steps[2] - self.steps[3])

    @property
    def one_sided(self) -> np.ndarray:
        """(4, size): right and left differences at h, then at 2h; the true slope lies among them at a kink."""
        return np.stack([self.delta[0] / self.steps[0], self.delta[1] / self.steps[1],
                         self.delta[2] / self.steps[2], self.delta[3] / self.steps[3]])

    @property
    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) per element: where a valid slope lies at a kink (``bracket`` when known)."""
        if self.bracket is not None:
            return self.bracket[0], self.bracket[1]
        o = self.one_sided
        return o.min(axis=0), o.max(axis=0)

    @property
    def curvature(self) -> np.ndarray:
        """max(|L(x+h)-2L(x)+L(x-h)|/h, same at 2h): about h*f'' when smooth, the slope jump at a kink."""
        c1 = np.abs(self.delta[0] + self.delta[1]) / self.steps[0]
        c2 = np.abs(self.delta[2] + self.delta[3]) / self.steps[2]
        return np.maximum(c1, c2)


def step_sizes(x: np.ndarray, *, eps: float) -> np.ndarray:
    """h = cbrt(eps) * scale: it balances truncation (h^2 f''') against round-off (eps |f| / h).

    In float32 (eps > 1e-10) the step is eps^(1/4) * scale (0.019, not 0.0049): there round-off is the
    whole error of the layers people check (a convolution is linear in each argument: no truncation at
    all), and the longer step divides it by 4; a smooth nonlinear layer's truncation grows 14-fold, which
    the spread |D(h) - D(2h)| measures and its tolerance carries. Measured on a float32 convolution
    (x 2x3x8x8): a 0.3% error in a median dw entry is caught in 40 of 40 seeds instead of 31.

    The scale of an entry is its magnitude, but never below the mean magnitude of the argument (an entry
    at 0 still lives among values of that size); an all-zero argument has no size of its own: scale 1.

    >>> step_sizes(np.array([0.0, 1.0, 2.0]), eps=1e-15).round(12).tolist()
    [1e-05, 1e-05, 2e-05]
    """
    typical = float(np.mean(np.abs(x))) if x.size else 0.0
    scale = np.maximum(np.abs(x), typical if typical > 0 else 1.0)
    return (eps ** (1.0 / 3.0 if eps < 1e-10 else 0.25)) * scale


def element_probes(shape: tuple[int, ...], *, batched: bool = False) -> Iterable[Probe]:
    """One probe per entry; with ``batched``, each probe moves one sample only (axis 0 is the batch).

    >>> [int(p.owner) for p in element_probes((3,))]
    [0, 1, 2]
    """
    size = int(np.prod(shape))
    per = size // shape[0] if batched and shape and shape[0] else size
    for i in range(size):
        yield Probe(np.array([i]), i, i // per if batched else None)


def differences(call: Callable, args: Sequence[np.ndarray], dout: np.ndarray, *, arg: int,
                probes: Iterable[Probe], batched: Sequence[int] = (), chunk: int = 64,
                out0: np.ndarray | None = None, h: np.ndarray | None = None) -> Differences:
    """Evaluate ``probes`` on argument ``arg`` of ``call(*args)`` and gather per-element loss changes.

    ``batched`` lists the arguments whose axis 0 is a batch of independent samples (the output's axis 0
    too); probes with a sample are then stacked ``chunk`` rows at a time into one call. ``h``: the step per
    entry (default ``step_sizes``).
    """
    x = args[arg]
    dtype = x.dtype
    eps = float(np.finfo(dtype).eps)
    h = (step_sizes(x, eps=eps) if h is None else h).astype(dtype)
    moved = [(x + dtype.type(t) * h) for t in SIGNS]
    steps = np.stack([(m - x).ravel() for m in moved]).astype(np.float64)
    out0 = call(*args) if out0 is None else out0
    # every difference in float64: two float32 outputs subtract exactly there, and the product with dout
    # adds no float32 rounding of its own
    base = np.asarray(out0, np.float64)
    dout = np.asarray(dout, np.float64)
    acc = Accumulator(x.size, steps)
    # round-off scale of each output: its magnitude, but not below the typical output (an entry that is
    # small by cancellation still carries the round-off of its terms)
    weight0 = (np.abs(base) + float(np.sqrt(np.mean(base * base)))) * np.abs(dout)
    stacked, single = [], []
    for p in probes:
        (stacked if p.sample is not None and arg in batched else single).append(p)
    for p in single:
        outs = []
        for k in range(4):
            a = x.copy()
            a.flat[p.idx] = moved[k].flat[p.idx]
            outs.append(call(*_replace(args, arg, a)))
            acc.calls += 1
        outs = np.stack(outs).astype(np.float64)
        acc.gather((outs - base) * dout, weight0, outs != base, p.owner)
    # stacked rows: every (probe, step) pair is one row of a batch, so the four steps share calls too
    rows_all = [(p, k) for p in stacked for k in range(4)]
    per_out = base[0].size if base.ndim else 1
    for start in range(0, len(rows_all), chunk):
        group = rows_all[start:start + chunk]
        rows = np.array([p.sample for p, _ in group])
        a = x[rows].copy()
        flat = a.reshape(len(group), -1)
        per = flat.shape[1]
        for r, (p, k) in enumerate(group):
            flat[r, p.idx - p.sample * per] = moved[k].flat[p.idx]
        new = [a if i == arg else (v[rows] if i in batched else v) for i, v in enumerate(args)]
        out = np.asarray(call(*new), np.float64)
        acc.calls += 1
        ks = np.array([k for _, k in group])
        own = np.stack([np.broadcast_to(p.owner, out.shape[1:]) for p, _ in group]).reshape(len(group), -1)
        where = rows[:, None] * per_out + np.arange(per_out)[None, :]  # flat output index of each row entry
        acc.rows((out - base[rows]) * dout[rows], weight0[rows], out != base[rows], own, ks, where)
    sums = acc.result(weight0, walk=eps > 1e-10)
    return Differences(h=h.ravel().astype(np.float64), delta=acc.delta, mag=sums.mag, steps=steps, calls=acc.calls,
                       bracket=np.stack([sums.lo, sums.hi]), touch=sums.touch)


def _replace(args, i, value):
    return tuple(value if j == i else a for j, a in enumerate(args))
