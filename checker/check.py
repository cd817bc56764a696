r"""The public checker: ``check_backward`` compares a backward function with finite differences.

Conventions: ``forward(*arrays, **params) -> out`` and ``backward(dout, *arrays, **params) -> tuple of
gradients, one per array, in the order of the arrays`` (a single array is accepted for one input). The
loss differenced is L = <forward(...), dout> with a random ``dout`` unless one is given.

>>> import numpy as np
>>> r = check_backward(lambda x: 3 * x, lambda g, x: (3 * g,), [np.arange(4.0)], dout=np.ones(4))
>>> r.ok, r.calls
(True, 6)
>>> r = check_backward(lambda x: 3 * x, lambda g, x: (3 * g,), [np.arange(4.0)], dout=np.ones(4), mode="element")
>>> r.ok, r.args[0].worst.expected
(True, 3.0)
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from checker.engine import run
from checker.result import CheckResult, Note  # noqa: F401 - public names of checker.check
from derivations._validate import GradproofError, one_of, whole

MODES = ("auto", "element", "batched", "compressed", "directional")
KINKS = ("interval", "exclude", "strict")


def _as_inputs(inputs, names):
    if isinstance(inputs, Mapping):
        names = names or tuple(inputs)
        inputs = list(inputs.values())
    if isinstance(inputs, np.ndarray):
        inputs = [inputs]
    arrays = [np.asarray(a) for a in inputs]
    names = tuple(names or (("x",) if len(arrays) == 1 else tuple(f"x{i}" for i in range(len(arrays)))))
    if len(names) != len(arrays):
        raise GradproofError(f"names must name every input ({len(arrays)}), got {names!r}")
    for n, a in zip(names, arrays):
        if a.dtype == np.float16:
            raise GradproofError(f"input {n!r} is float16: its eps (9.8e-04) leaves finite differences about 1% "
                                 "of resolution, too coarse for a verdict; check the layer in float32 or float64 "
                                 "(cast the inputs; a layer that follows its input dtype computes in that one)")
        if not np.issubdtype(a.dtype, np.floating) or a.size == 0:
            raise GradproofError(f"input {n!r} must be a non-empty float array, got dtype {a.dtype} "
                                 f"shape {a.shape}")
    return arrays, names


def check_backward(forward: Callable, backward: Callable, inputs, *, dout=None, seed=None, mode: str = "auto",
                   names: Sequence[str] | None = None, params: Mapping | None = None,
                   structure: Mapping | None = None, batched: Sequence[str] = (), chunk: int = 64,
                   kinks: str = "interval") -> CheckResult:
    """Check ``backward`` against central differences of ``<forward(*inputs, **params), dout>``.

    ``mode``: "element" (every entry, one at a time), "batched" (entries of the ``batched`` arguments, whose
    axis 0 is a batch of independent samples, stacked ``chunk`` at a time), "compressed" (colourings from
    ``structure``, e.g. ``checker.colouring.conv2d_structure``), "directional" (one random direction, no
    localisation), "auto" (compressed where a structure is given, batched where declared; every other
    argument first along one random direction, four forward calls, and entry by entry only when that
    disagrees, so a failure still names its worst element; see ``checker.screen``).
    Before any of it the forward and the backward run twice: results that differ are refused, not judged.
    ``kinks``: "interval" (one-sided bracket at kinks), "exclude" (skip them), "strict" (no special case).
    """

    one_of("mode", mode, MODES)
    one_of("kinks", kinks, KINKS)
    chunk = whole("chunk", chunk)
    arrays, names = _as_inputs(inputs, names)
    for b in batched:
        if b not in names:
            raise GradproofError(f"batched names an unknown input {b!r}; inputs are {', '.join(names)}")
    for s in structure or {}:
        if s not in names:
            raise GradproofError(f"structure names an unknown input {s!r}; inputs are {', '.join(names)}")
    return run(forward, backward, arrays, names, dout=dout, seed=seed, mode=mode, params=dict(params or {}),
               structure=dict(structure or {}), batched=tuple(batched), chunk=chunk, kinks=kinks)


def assert_backward(forward: Callable, backward: Callable, inputs, **options) -> CheckResult:
    """``check_backward`` for pytest: raise AssertionError naming the worst element when wrong.

    >>> import numpy as np
    >>> assert_backward(lambda x: x ** 2, lambda g, x: 2 * g * x, [np.ones(3)], seed=1).ok
    True
    """
    result = check_backward(forward, backward, inputs, **options)
    if not result.ok:
        raise AssertionError(result.summary())
    return result


def cs231n_pair(layer_forward: Callable, layer_backward: Callable, *extra):
    """Adapt a cs231n layer (``forward(*arrays, *extra) -> (out, cache)``, ``backward(dout, cache)``).

    ``extra`` are trailing non-array arguments such as ``conv_param``; the result fits ``check_backward``.

    >>> import numpy as np
    >>> f, b = cs231n_pair(lambda x: (2 * x, x), lambda d, cache: 2 * d)
    >>> check_backward(f, b, [np.ones(2)], seed=0).ok
    True
    """

    def forward(*arrays):
        return layer_forward(*arrays, *extra)[0]

    def backward(dout, *arrays):
        return layer_backward(dout, layer_forward(*arrays, *extra)[1])

    return forward, backward


def judge_gradients(forward: Callable, inputs, grads, *, dout, **options) -> CheckResult:
    """Judge gradients computed elsewhere (e.g. in a grader's child process) against ``forward``.

    ``grads``: one array per input, for the loss <forward(*inputs), dout>; ``options`` as ``check_backward``
    (``mode="element"`` judges every entry alone). The verdict names the worst element of each argument.

    >>> import numpy as np
    >>> judge_gradients(lambda x: x ** 2, [np.arange(3.0)], [2 * np.arange(3.0)], dout=np.ones(3)).ok
    True
    """
    grads = tuple(np.array(g, dtype=float) for g in ((grads,) if isinstance(grads, np.ndarray) else grads))
    return check_backward(forward, lambda d, *a: grads, inputs, dout=dout, **options)
