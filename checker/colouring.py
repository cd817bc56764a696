r"""Compressed differences: colourings of the association table, so one forward call checks many entries.

Two entries of a convolution input whose rows (or columns) are at least a kernel span apart never meet in
the same output entry: perturbing all of them at once and handing every output to the one perturbed entry
inside its window gives each entry its own difference. A kernel entry meets only the outputs of its own
filter, so one kernel position is checked for all filters at once. These are the structures the
derivations' association tables show; ``check_backward(structure=...)`` uses them.

>>> s = conv2d_structure((4, 3, 3, 3), pad=1)
>>> sorted(s), s["x"].colours((2, 3, 16, 16))
(['b', 'w', 'x'], 27)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from checker.fd import Probe
from derivations._validate import GradproofError, pair



@dataclass(frozen=True)
class Window2d:
    """out[n, f, i, j] reads arg[n, c, i*s - p + d*m, j*s - p + d*q] for m < rows, q < cols.

    ``mixes_channels``: every output channel reads every input channel (convolution); otherwise output
    channel c reads input channel c only (pooling), and all channels share one colour.
    """

    rows: int  # the window before dilation: a kernel's (HH, WW) or a pool's (pool_h, pool_w)
    cols: int
    stride: tuple[int, int] | int = 1
    pad: tuple[int, int] | int = 0
    dilation: int = 1
    mixes_channels: bool = True

    def span(self) -> tuple[int, int]:
        return self.dilation * (self.rows - 1) + 1, self.dilation * (self.cols - 1) + 1

    def colours(self, shape) -> int:
        """How many probes (per sample) cover the argument: channels x span rows x span columns."""
        span_h, span_w = self.span()
        return (shape[1] if self.mixes_channels else 1) * min(span_h, shape[2]) * min(span_w, shape[3])

    def probes(self, shape, out_shape, *, batched: bool) -> Iterator[Probe]:
        if len(shape) != 4 or len(out_shape) != 4 or shape[0] != out_shape[0]:
            raise GradproofError(f"structure Window2d needs (N,C,H,W) input and output with the same N, got "
                                 f"input {tuple(shape)} and output {tuple(out_shape)}")
        if not self.mixes_channels and shape[1] != out_shape[1]:
            raise GradproofError(f"structure Window2d(mixes_channels=False) needs as many output channels as "
                                 f"input channels, got {shape[1]} and {out_shape[1]}")
        n, c, h, w = shape
        span_h, span_w = self.span()
        (st_h, st_w), (p_h, p_w) = pair("stride", self.stride), pair("pad", self.pad, low=0)
        ho, wo = out_shape[2], out_shape[3]
        first_r = np.arange(ho) * st_h - p_h  # top row of each output's window
        first_c = np.arange(wo) * st_w - p_w
        for ch in (range(c) if self.mixes_channels else [None]):
            for a in range(min(span_h, h)):
                rows = first_r + (a - first_r) % span_h  # the one row = a (mod span) inside each window
                rows = np.where((rows >= 0) & (rows < h), rows, -1)
                for b in range(min(span_w, w)):
                    cols = first_c + (b - first_c) % span_w
                    cols = np.where((cols >= 0) & (cols < w), cols, -1)
                    yield from self._emit(shape, out_shape, ch, a, b, rows, cols, batched)

    def _emit(self, shape, out_shape, ch, a, b, rows, cols, batched):
        n, c, h, w = shape
        f = out_shape[1]
        chans = np.full(f, ch) if ch is not None else np.arange(f)
        valid = (rows[:, None] >= 0) & (cols[None, :] >= 0)  # (H', W')
        plane = np.where(valid, rows[:, None] * w + cols[None, :], -1)
        grid = np.zeros((h, w), bool)
        grid[a::self.span()[0], b::self.span()[1]] = True
        cells = np.flatnonzero(grid)
        in_chans = [ch] if ch is not None else range(c)
        samples = range(n)
        for s in samples if batched else [None]:
            ns = [s] if batched else list(samples)
            idx = np.concatenate([(nn * c + cc) * h * w + cells for nn in ns for cc in in_chans])
            base = (np.array(ns)[:, None] * c + chans[None, :]) * h * w  # (len(ns), F)
            owner = np.where(plane[None, None] >= 0, base[:, :, None, None] + plane[None, None], -1)
            yield Probe(idx, owner[0] if batched else owner, s)


@dataclass(frozen=True)
class PerFilter:
    """arg[f, ...] meets only outputs out[:, f, ...] (a kernel or a bias): one probe per position, all f at once."""

    out_axis: int = 1

    def colours(self, shape) -> int:
        return int(np.prod(shape[1:]))

    def probes(self, shape, out_shape, *, batched: bool = False) -> Iterator[Probe]:
        if len(out_shape) <= self.out_axis or out_shape[self.out_axis] != shape[0]:
            raise GradproofError(f"structure PerFilter needs output axis {self.out_axis} of length {shape[0]} "
                                 f"(the argument's axis 0), got output {tuple(out_shape)}")
        f, rest = shape[0], int(np.prod(shape[1:]))
        fshape = [1] * len(out_shape)
        fshape[self.out_axis] = f
        along = np.arange(f).reshape(fshape)  # size-1 axes: the engine sums over them before scattering
        for pos in range(rest):
            idx = np.arange(f) * rest + pos
            yield Probe(idx, along * rest + pos, None)


def conv2d_structure(w_shape, *, stride=1, pad=0, dilation=1) -> dict:
    """Structures of ``conv2d_forward(x, w, b)``'s three arguments."""
    HH, WW = w_shape[2], w_shape[3]
    return {"x": Window2d(HH, WW, stride, pad, dilation), "w": PerFilter(), "b": PerFilter()}


def pool2d_structure(pool_h, pool_w, *, stride, pad=0) -> dict:
    """Structure of a pooling layer's input: windows that never mix channels."""
    return {"x": Window2d(pool_h, pool_w, stride, pad, 1, mixes_channels=False)}
