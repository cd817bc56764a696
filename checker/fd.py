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
    def curvature(self) -> np.ndarray:
        """max(|L(x+h)-2L(x)+L(x-h)|/h, same at 2h): about h*f'' when smooth, the slope jump at a kink."""
        c1 = np.abs(self.delta[0] + self.delta[1]) / self.steps[0]
        c2 = np.abs(self.delta[2] + self.delta[3]) / self.steps[2]
        return np.maximum(c1, c2)


def step_sizes(x: np.ndarray, *, eps: float) -> np.ndarray:
    """h = cbrt(eps) * scale: it balances truncation (h^2 f''') against round-off (eps |f| / h).

    The scale of an entry is its magnitude, but never below the mean magnitude of the argument (an entry
    at 0 still lives among values of that size); an all-zero argument has no size of its own: scale 1.

    >>> step_sizes(np.array([0.0, 1.0, 2.0]), eps=1e-15).round(12).tolist()
    [1e-05, 1e-05, 2e-05]
    """
    typical = float(np.mean(np.abs(x))) if x.size else 0.0
    scale = np.maximum(np.abs(x), typical if typical > 0 else 1.0)
    return (eps ** (1.0 / 3.0)) * scale


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
                out0: np.ndarray | None = None) -> Differences:
    """Evaluate ``probes`` on argument ``arg`` of ``call(*args)`` and gather per-element loss changes.

    ``batched`` lists the arguments whose axis 0 is a batch of independent samples (the output's axis 0
    too); probes with a sample are then stacked ``chunk`` rows at a time into one call.
    """
    x = args[arg]
    dtype = x.dtype
    eps = float(np.finfo(dtype).eps)
    h = step_sizes(x, eps=eps).astype(dtype)
    moved = [(x + dtype.type(t) * h) for t in SIGNS]
    steps = np.stack([(m - x).ravel() for m in moved]).astype(np.float64)
    out0 = call(*args) if out0 is None else out0
    size = x.size
    delta = np.zeros((4, size))
    mag = np.zeros(size)
    # round-off scale of each output: its magnitude, but not below the typical output (an entry that is
    # small by cancellation still carries the round-off of its terms)
    weight0 = (np.abs(out0) + float(np.sqrt(np.mean(out0 * out0)))) * np.abs(dout)
    calls = 0
    stacked, single = [], []
    for p in probes:
        (stacked if p.sample is not None and arg in batched else single).append(p)
    for p in single:
        outs = []
        for k in range(4):
            a = x.copy()
            a.flat[p.idx] = moved[k].flat[p.idx]
            outs.append(call(*_replace(args, arg, a)))
            calls += 1
        outs = np.stack(outs)
        _gather(delta, mag, (outs - out0) * dout, weight0, outs[2] != out0, p.owner)
    # stacked rows: every (probe, step) pair is one row of a batch, so the four steps share calls too
    rows_all = [(p, k) for p in stacked for k in range(4)]
    for start in range(0, len(rows_all), chunk):
        group = rows_all[start:start + chunk]
        rows = np.array([p.sample for p, _ in group])
        a = x[rows].copy()
        flat = a.reshape(len(group), -1)
        per = flat.shape[1]
        for r, (p, k) in enumerate(group):
            flat[r, p.idx - p.sample * per] = moved[k].flat[p.idx]
        new = [a if i == arg else (v[rows] if i in batched else v) for i, v in enumerate(args)]
        out = call(*new)
        calls += 1
        contrib = (out - out0[rows]) * dout[rows]
        changed = out != out0[rows]
        # one scatter for the whole chunk: row r's owners shifted to the block of its step k
        ks = np.array([k for _, k in group])
        own = np.stack([np.broadcast_to(p.owner, out.shape[1:]) for p, _ in group])
        own = np.where(own >= 0, own + (ks * size).reshape((-1,) + (1,) * (own.ndim - 1)), -1).ravel()
        keep = own >= 0
        delta += np.bincount(own[keep], contrib.ravel()[keep], minlength=4 * size).reshape(4, size)
        # the round-off scale, from the +2h rows (the larger step changes every output the entry reaches)
        sel = keep & changed.ravel() & (own >= 2 * size) & (own < 3 * size)
        mag += np.bincount(own[sel] - 2 * size, weight0[rows].ravel()[sel], minlength=size)
    # an entry whose steps changed no output by even one unit in the last place still has that unit as
    # its resolution: at least one typical output's round-off
    mag = np.maximum(mag, float(np.sqrt(np.mean(weight0 * weight0))))
    return Differences(h=h.ravel().astype(np.float64), delta=delta, mag=mag, steps=steps, calls=calls)


def _replace(args, i, value):
    return tuple(value if j == i else a for j, a in enumerate(args))


def _gather(delta, mag, contrib, weight0, changed, owner):
    """Add each output's loss change (contrib: one row per step) to the entry that owns it, and the
    round-off scale (|out| + rms out) * |dout| (``weight0``) of the outputs the +2h step changed to ``mag``."""
    size = delta.shape[1]
    if np.ndim(owner) == 0:
        delta[:, owner] += contrib.reshape(4, -1).sum(axis=1)
        mag[owner] += float(weight0[changed].sum())
        return
    own = np.asarray(owner)
    if own.shape != changed.shape:  # an owner constant along some axes: sum those first (cheaper)
        axes = tuple(i for i, (o, c) in enumerate(zip(own.shape, changed.shape)) if o == 1 and c != 1)
        contrib = contrib.sum(axis=tuple(a + 1 for a in axes), keepdims=True)
        weight0 = (weight0 * changed).sum(axis=axes, keepdims=True)
        changed = weight0 > 0
    own = own.ravel()
    keep = own >= 0
    idx = own[keep]
    shifted = (idx[None, :] + (np.arange(4) * size)[:, None]).ravel()
    delta += np.bincount(shifted, contrib.reshape(4, -1)[:, keep].ravel(), minlength=4 * size).reshape(4, size)
    sel = changed.ravel()[keep]
    mag += np.bincount(idx[sel], weight0.ravel()[keep][sel], minlength=size)
