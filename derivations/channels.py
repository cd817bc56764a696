r"""Several channels of a per-channel operation (pooling) as one derivation, proved channel by channel.

Pooling never mixes channels, so a (C, H, W) derivation is C independent (H, W) ones whose symbols are
the slices of C-channel tensors (``A123`` is channel 1, row 2, column 3). Arrays are stacked along a new
first axis; a rule holds when it holds in every channel, its first wrong entry is the first channel's
that fails (the index gains the channel), and a tie verdict is the worst of the channels. The teaching
steps and the general formula are the first channel's: every channel is derived the same way.

>>> from derivations import derive_pool2d
>>> d = derive_pool2d("mean", (2, 2, 2), 2)
>>> d.forward.shape, str(d.forward[1, 0, 0])
((2, 1, 1), 'A211/4 + A212/4 + A221/4 + A222/4')
"""
from __future__ import annotations

from dataclasses import replace

import sympy

from ._symops import flat
from ._types import Derivation, Mismatch
from .ties import worst


def _stack(arrays) -> sympy.Array:
    return sympy.ImmutableDenseNDimArray([e for a in arrays for e in flat(a)], (len(arrays), *arrays[0].shape))


def _merge(per_channel):
    """One rule from its C per-channel proofs."""
    first = per_channel[0]
    verdicts = [r.tie_verdict for r in per_channel if r.tie_verdict is not None]
    failing = [(c, r) for c, r in enumerate(per_channel) if not r.holds]
    # the witness comes from a channel as bad as the verdict: a two-way tie's valid split in channel 1
    # must not stand as the counterexample of a rule that only a three-way tie in channel 2 refutes
    bad = next(((c, r) for c, r in failing if r.tie_verdict == worst(verdicts)), failing[0]) if failing else None
    cx = None
    if bad is not None:
        c, r = bad
        m = r.counterexample
        n = len(per_channel)  # a shape mismatch gains the channel axis too
        cx = Mismatch(m.grad, (c, *m.index), m.expected, m.got) if m.index else \
            Mismatch(m.grad, (), sympy.Tuple(n, *m.expected), sympy.Tuple(n, *m.got))
    return replace(first, holds=bad is None, counterexample=cx, checked=sum(r.checked for r in per_channel),
                   tie_verdict=worst(verdicts) if verdicts else None)


def stack_channels(ds) -> Derivation:
    """The derivations of each channel (same op and geometry) as one (C, ...) derivation."""
    d0 = ds[0]
    rules = tuple(_merge([d.rules[k] for d in ds]) for k in range(len(d0.rules)))
    pitfalls = tuple(_merge([d.pitfalls[k] for d in ds]) for k in range(len(d0.pitfalls)))
    params = {**d0.params, "input_shape": (len(ds), *d0.params["input_shape"]),
              "output_shape": (len(ds), *d0.params["output_shape"])}
    return Derivation(d0.op, params, d0.names, {k: _stack([d.symbols[k] for d in ds]) for k in d0.symbols},
                      _stack([d.forward for d in ds]), {k: _stack([d.grads[k] for d in ds]) for k in d0.grads},
                      rules, tuple(m for d in ds for m in d.association), d0.steps, general=d0.general,
                      pitfalls=pitfalls)
