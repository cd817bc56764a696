r"""The public checker: ``check_backward`` compares a backward function with finite differences.

Conventions: ``forward(*arrays, **params) -> out`` and ``backward(dout, *arrays, **params) -> tuple of
gradients, one per array, in the order of the arrays`` (a single array is accepted for one input). The
loss differenced is L = <forward(...), dout> with a random ``dout`` unless one is given.

>>> import numpy as np
>>> r = check_backward(lambda x: 3 * x, lambda g, x: (3 * g,), [np.arange(4.0)], dout=np.ones(4))
>>> r.ok, r.args[0].worst.expected
(True, 3.0)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from checker.verdict import ArgResult

MODES = ("auto", "element", "batched", "compressed", "directional")
KINK_POLICIES = ("interval", "exclude", "strict")
EPS32 = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class Note:
    """Something the check did or found, as a text key (see presentation/i18n.py) with its fields."""

    key: str
    fields: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.key + ("(" + ", ".join(f"{k}={v}" for k, v in self.fields) + ")" if self.fields else "")


@dataclass(frozen=True)
class CheckResult:
    """Per-argument verdicts of one check, plus what was done to reach them."""

    ok: bool
    mode: str
    args: tuple[ArgResult, ...]
    notes: tuple[Note, ...] = ()
    calls: int = 0
    seconds: float = 0.0
    directional: tuple[float, float, float] | None = None  # (backward, numeric, tol) in directional mode

    def __getitem__(self, name: str) -> ArgResult:
        for a in self.args:
            if a.name == name:
                return a
        raise KeyError(f"no argument {name!r}; known: {', '.join(a.name for a in self.args)}")

    def summary(self) -> str:
        """One readable paragraph: the verdict and, when wrong, the worst element of each wrong argument."""
        lines = [f"backward {'matches' if self.ok else 'does NOT match'} finite differences ({self.mode} mode)"]
        for a in self.args:
            if a.problem:
                lines.append(f"  d{a.name}: {a.problem}")
            elif not a.ok and a.worst is not None:
                pat = f"; pattern: {', '.join(a.patterns)}" if a.patterns else ""
                lines.append(f"  {a.worst.line()}; {a.n_failed} of {int(np.prod(a.shape))} elements off{pat}")
        if self.directional is not None and not self.ok:
            g, n, t = self.directional
            lines.append(f"  along a random direction: backward {g:.6g}, numeric {n:.6g} +/- {t:.1g}")
        lines += [f"  note: {n.text()}" for n in self.notes]
        return "\n".join(lines)


def _as_inputs(inputs, names):
    if isinstance(inputs, Mapping):
        names = names or tuple(inputs)
        inputs = list(inputs.values())
    if isinstance(inputs, np.ndarray):
        inputs = [inputs]
    arrays = [np.asarray(a) for a in inputs]
    names = tuple(names or (("x",) if len(arrays) == 1 else tuple(f"x{i}" for i in range(len(arrays)))))
    if len(names) != len(arrays):
        raise ValueError(f"names must name every input ({len(arrays)}), got {names!r}")
    for n, a in zip(names, arrays):
        if not np.issubdtype(a.dtype, np.floating) or a.size == 0:
            raise ValueError(f"input {n!r} must be a non-empty float array, got dtype {a.dtype} shape {a.shape}")
    return arrays, names


def _grads(raw, names, shapes) -> tuple[list, list[str | None]]:
    """The backward's result as one array per input, or a problem text per input."""
    if isinstance(raw, np.ndarray) or np.isscalar(raw):
        raw = (raw,)
    try:
        raw = list(raw)
    except TypeError:
        return [None] * len(names), [f"backward returned {type(raw).__name__}, not a tuple of arrays"] * len(names)
    if len(raw) != len(names):
        msg = f"backward returned {len(raw)} gradients for {len(names)} inputs"
        return [None] * len(names), [msg] * len(names)
    out, problems = [], []
    for n, g, shape in zip(names, raw, shapes):
        try:
            g = np.asarray(g, dtype=np.float64)
        except (TypeError, ValueError):
            out.append(None), problems.append(f"gradient of {n} is {type(g).__name__}, not an array")
            continue
        if g.shape != tuple(shape):
            out.append(None), problems.append(f"gradient of {n} has shape {g.shape}, input has {tuple(shape)}")
        elif not np.all(np.isfinite(g)):
            out.append(None), problems.append(f"gradient of {n} holds NaN or inf")
        else:
            out.append(g), problems.append(None)
    return out, problems


def _mutations(fn_name, before, after, names, notes):
    hit = [n for n, a, b in zip(names, before, after) if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)]
    for n in hit:
        notes.append(Note("note.mutated", (("function", fn_name), ("arg", n))))
    return bool(hit)


def check_backward(forward: Callable, backward: Callable, inputs, *, dout=None, seed=None, mode: str = "auto",
                   names: Sequence[str] | None = None, params: Mapping | None = None,
                   structure: Mapping | None = None, batched: Sequence[str] = (), chunk: int = 64,
                   kinks: str = "interval") -> CheckResult:
    """Check ``backward`` against central differences of ``<forward(*inputs, **params), dout>``.

    ``mode``: "element" (every entry, one at a time), "batched" (entries of the ``batched`` arguments, whose
    axis 0 is a batch of independent samples, stacked ``chunk`` at a time), "compressed" (colourings from
    ``structure``, e.g. ``checker.colouring.conv2d_structure``), "directional" (one random direction, no
    localisation), "auto" (compressed where a structure is given, batched where declared, else element).
    ``kinks``: "interval" (one-sided bracket at kinks), "exclude" (skip them), "strict" (no special case).
    """
    from checker.engine import run

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if kinks not in KINK_POLICIES:
        raise ValueError(f"kinks must be one of {', '.join(KINK_POLICIES)}, got {kinks!r}")
    if not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a whole number >= 1, got {chunk!r}")
    arrays, names = _as_inputs(inputs, names)
    for b in batched:
        if b not in names:
            raise ValueError(f"batched names an unknown input {b!r}; inputs are {', '.join(names)}")
    for s in structure or {}:
        if s not in names:
            raise ValueError(f"structure names an unknown input {s!r}; inputs are {', '.join(names)}")
    return run(forward, backward, arrays, names, dout=dout, seed=seed, mode=mode, params=dict(params or {}),
               structure=dict(structure or {}), batched=tuple(batched), chunk=int(chunk), kinks=kinks)


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
