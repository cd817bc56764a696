r"""What the differencing engine (``checker.fd``) sums per entry while probes run.

For every (probe, step) row of loss changes per output: the change of the loss per entry and step, the
round-off scale of the outputs each entry moved, and, per (entry, output), the one-sided slopes of that
output, whose smallest and largest summed over the entry's outputs bracket every valid slope at a kink.

>>> import numpy as np
>>> a = Accumulator(1, np.array([[1.0], [-1.0], [2.0], [-2.0]]))
>>> a.gather(np.array([[1.0], [0.0], [2.0], [0.0]]), np.ones(1), np.array([[True], [False], [True], [False]]), 0)
>>> s = a.result(np.ones(1))
>>> (s.lo.tolist(), s.hi.tolist(), s.touch.tolist())
([0.0], [1.0], [[0], [0]])
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Sums(NamedTuple):
    """What the accumulator hands ``checker.fd.Differences`` per element."""

    lo: np.ndarray  # the slope bracket: sum over the element's outputs of their smallest one-sided slope
    hi: np.ndarray  # ... and of their largest
    touch: np.ndarray  # (2, pairs): (element, output) pairs that changed, the association table
    mag: np.ndarray  # round-off scale of the outputs the element moved


class Accumulator:
    """Sums per element: loss changes per step, round-off scale, per-output one-sided slope brackets, and
    which outputs each element changed (the association table, read by ``checker.ties``)."""

    def __init__(self, size, steps):
        self.size, self.steps, self.calls = size, steps, 0
        self.delta, self.mag, self.mag2 = np.zeros((4, size)), np.zeros(size), np.zeros(size)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (owner, output, slope) of changes

    def gather(self, contrib, weight0, changed, owner):
        """One probe's four rows (one per step); ``owner`` as in ``Probe``."""
        if np.ndim(owner) == 0:  # one entry owns every output: sums, and only the changed outputs recorded
            e = int(owner)
            m = contrib[0].size
            contrib, changed = contrib.reshape(4, m), changed.reshape(4, m)
            self.delta[:, e] += contrib.sum(axis=1)
            w = np.reshape(weight0, m)
            self.mag[e] += float(w[changed[2]].sum())
            self.mag2[e] += float((w[changed[2]] ** 2).sum())
            k, o = np.nonzero(changed)
            if k.size:
                self.parts.append((np.full(k.size, e), o, contrib[k, o] / self.steps[k, e]))
            return
        shape = contrib.shape[1:]
        m = int(np.prod(shape))
        own = np.broadcast_to(np.asarray(owner), shape).reshape(1, m)
        self.rows(contrib.reshape(4, m), np.reshape(weight0, (1, m)), changed.reshape(4, m),
                  np.broadcast_to(own, (4, m)), np.arange(4), np.arange(m)[None, :])

    def rows(self, contrib, weight0, changed, own, ks, where):
        """Rows of (probe, step) pairs, each (rows, m) (weight0 and where may broadcast); ks: each row's step."""
        shape = contrib.shape
        contrib, changed = contrib.reshape(shape[0], -1), changed.reshape(shape[0], -1)
        shape = contrib.shape
        weight0 = np.broadcast_to(np.reshape(weight0, (-1, shape[1])), shape)
        where = np.broadcast_to(where, shape)
        keep = own >= 0
        safe = np.where(keep, own, 0)
        flat = safe + (ks * self.size)[:, None]
        self.delta += np.bincount(flat[keep], contrib[keep], minlength=4 * self.size).reshape(4, self.size)
        sel = keep & changed & (ks == 2)[:, None]  # the round-off scale from the +2h step (it reaches the most)
        self.mag += np.bincount(safe[sel], weight0[sel], minlength=self.size)
        self.mag2 += np.bincount(safe[sel], weight0[sel] ** 2, minlength=self.size)
        hit = keep & changed  # an output no step changed has slope 0 at every step: nothing to record
        if hit.any():
            slope = contrib[hit] / self.steps[np.broadcast_to(ks[:, None], shape)[hit], safe[hit]]
            self.parts.append((safe[hit], where[hit], slope))

    def brackets(self):
        """Per element: sum over its outputs of min and max over the steps of each output's slope (a step
        that left the output unchanged counts as slope 0); and the (element, output) pairs that changed."""
        lo, hi = np.zeros(self.size), np.zeros(self.size)
        if not self.parts:
            return lo, hi, np.zeros((2, 0), np.int64)
        own, out, slope = (np.concatenate(v) for v in zip(*self.parts))
        key = own.astype(np.int64) * (int(out.max()) + 1) + out
        order = np.argsort(key, kind="stable")
        key, slope = key[order], slope[order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        count = np.diff(np.r_[first, key.size])
        kmin, kmax = np.minimum.reduceat(slope, first), np.maximum.reduceat(slope, first)
        partial = count < 4  # some step left this output where it was: slope 0 there
        kmin[partial], kmax[partial] = np.minimum(kmin[partial], 0), np.maximum(kmax[partial], 0)
        owners = own[order][first]
        lo += np.bincount(owners, kmin, minlength=self.size)
        hi += np.bincount(owners, kmax, minlength=self.size)
        return lo, hi, np.stack([owners, out[order][first]]).astype(np.int64)

    def result(self, weight0, walk=False) -> Sums:
        """The brackets, the association pairs and each entry's round-off scale."""
        lo, hi, touch = self.brackets()
        # ``walk``: the outputs' round-off errors come from separate roundings and add like a random walk
        # (square root of the sum of squares), not in the worst case (the plain sum): in float32, where
        # precision is scarce, the plain sum over the n outputs of an entry would cost a factor sqrt(n);
        # the spreads of the argument's own entries then calibrate the level (kappa in checker.verdict)
        mag = np.sqrt(self.mag2) if walk else self.mag
        # an entry whose steps changed no output by even one unit in the last place still has that unit as
        # its resolution: at least one typical output's round-off
        mag = np.maximum(mag, float(np.sqrt(np.mean(weight0 * weight0))))
        return Sums(lo, hi, touch, mag)
