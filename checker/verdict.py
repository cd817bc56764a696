r"""Verdicts per element: a Richardson value, a tolerance derived from its own error estimate, and kinks.

For each element the engine gives central differences D1 (step h) and D2 (step 2h). Their truncation
errors are c h^2 and 4 c h^2, so R = D1 + (D1 - D2)/3 removes the h^2 term and |D1 - D2|/3 bounds the
error left in D1 (hence in R). Round-off adds eps * M / h, where M = sum (|out| + rms out) |dout| over the outputs
the element touches (each loss change is a difference of values of that size). The tolerance is

    tol = SAFETY * (|D1 - D2|/3 + kappa * eps * M / h) + 4 eps (|got| + |R|)

where kappa >= 1 is the round-off level the argument's own spreads show (see ``tolerances``).

SAFETY = 4 because both terms are estimates of a spread, not bounds; the last term is the round-off of
the gradient under test itself. No fixed rtol/atol anywhere: a derivative of 1e-6 under a value of 1 gets
a tolerance of about 1e-10, not 1e-6.

A kink (ReLU at 0, a max-pool tie) inside the stencil makes the second difference |L(x+h)-2L(x)+L(x-h)|/h
the size of the slope jump, while a smooth function gives h*f'' (about 6e-6 of it). Elements whose second
difference exceeds eps^(1/6) (2.4e-3, halfway between the two on a log scale) times the argument's gradient
scale are kinks: the one-sided differences bracket every slope valid there, so they are checked by the
interval [min, max] of the four one-sided differences (policy "interval"), or left out ("exclude").

>>> import numpy as np
>>> from checker.fd import Differences
>>> st = np.array([[1e-5], [-1e-5], [2e-5], [-2e-5]])
>>> d = Differences(h=np.array([1e-5]), delta=0.5 * st, mag=np.array([1.0]), steps=st, calls=4)
>>> r = judge("x", d, np.array([0.5]))
>>> r.ok, r.worst.expected
(True, 0.5)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from checker.fd import Differences
from checker.patterns import describe

SAFETY = 4.0
KINK_REL = np.finfo(np.float64).eps ** (1.0 / 6.0)


def distinct(a: float, b: float, digits: int = 6) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest significant digits (at least ``digits``) that tell them apart.

    >>> distinct(1.0000001, 1.0000002)
    ('1.0000001', '1.0000002')
    """
    for d in range(digits, 18):
        sa, sb = f"{a:.{d}g}", f"{b:.{d}g}"
        if sa != sb or a == b:
            return sa, sb
    return sa, sb


@dataclass(frozen=True)
class Element:
    """One element of one gradient: where it is, what backward gave, what differences say, and how sure."""

    name: str
    index: tuple[int, ...]
    got: float
    expected: float
    error: float  # |got - expected|
    tol: float  # the derived tolerance of this element
    kink: bool = False

    def line(self) -> str:
        """'dw[1, 0, 2, 2]: backward 0.2503, numeric 0.2500 +/- 3e-09'."""
        idx = ", ".join(str(i) for i in self.index)
        got, num = distinct(self.got, self.expected) if self.error > self.tol else (f"{self.got:.6g}",
                                                                                     f"{self.expected:.6g}")
        return f"d{self.name}[{idx}]: backward {got}, numeric {num} +/- {self.tol:.1g} (error {self.error:.2g})"


class Along(NamedTuple):
    """An argument passed along one random direction (``checker.screen``): the two directional derivatives."""

    got: float  # the backward's, <grad, direction>
    expected: float  # the finite differences'
    tol: float


@dataclass(frozen=True)
class ArgResult:
    """The verdict on one argument's gradient, with the full maps for renderers."""

    name: str
    ok: bool
    shape: tuple[int, ...]
    worst: Element | None  # the element with the largest error / tolerance ratio
    n_failed: int
    n_kinks: int = 0
    kinks: str = "interval"  # how kinks were judged: check_backward's kinks=
    patterns: tuple[str, ...] = ()
    eps: float = float(np.finfo(np.float64).eps)
    precision_only: int = 0  # elements off by more than float64 round-off but within float32's
    problem: str | None = None  # a structural failure (wrong shape, NaN, missing gradient)
    ties: tuple = ()  # checker.ties.TieCheck per group of tied entries raised together
    screen: Along | None = None  # passed along one random direction, not entry by entry
    got: np.ndarray | None = field(default=None, repr=False, compare=False)
    expected: np.ndarray | None = field(default=None, repr=False, compare=False)
    tol: np.ndarray | None = field(default=None, repr=False, compare=False)
    kinked: np.ndarray | None = field(default=None, repr=False, compare=False)  # elements judged as kinks

    @property
    def ratio(self) -> np.ndarray | None:
        """error / tolerance per element (the heat map): below 1 passes."""
        if self.got is None or self.expected is None:
            return None
        return np.abs(self.got - self.expected) / self.tol


def tolerances(d: Differences, got: np.ndarray, *, eps: float, safety: float = SAFETY):
    """(R, tol) per element as derived in the module docstring."""
    d1, d2 = d.d1, d.d2
    r = d1 + (d1 - d2) / 3.0
    h = np.abs(d.steps[0])
    spread = np.abs(d1 - d2)
    noise = eps * d.mag / h
    # The forward's own round-off grows with the size of its terms, which a black box does not show; the
    # argument's elements measure it: kappa = the most times eps*M/h any spread |D1 - D2| reaches, and
    # every element gets kappa * eps * M / h. Spreads depend on the forward alone, so a wrong gradient
    # cannot inflate kappa; kinks (slope jumps, not round-off) are left out of it.
    scale = float(np.mean(np.abs(r))) if r.size else 0.0
    smooth = (noise > 0) & (d.curvature <= KINK_REL * scale)
    kappa = max(1.0, float(np.max(spread[smooth] / noise[smooth]))) if smooth.any() else 1.0
    tol = safety * (spread / 3.0 + kappa * noise) + 4 * eps * (np.abs(got) + np.abs(r))
    return r, np.maximum(tol, np.finfo(np.float64).tiny)


def find_kinks(d: Differences, r: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Elements whose second difference is a slope jump, not curvature.

    The jump is also read output by output (the width of ``Differences.bracket``): a cell tied in two
    overlapping windows with upstream gradients g and -g has jumps that cancel in the loss (second
    difference 0) while each window's own slope jumps, and its valid gradients span [-|g|, |g|]."""
    scale = float(np.mean(np.abs(r))) if r.size else 0.0
    jump = d.curvature
    if d.bracket is not None:
        jump = np.maximum(jump, d.bracket[1] - d.bracket[0])
    # A jump small beside the argument's scale (a tied window whose upstream gradient is 1e-5) is still
    # a jump when it is past the tolerance and each side is straight: for a kink at x the one-sided slopes
    # at h and 2h agree on each side, for a smooth function each side moves by half the jump (h f''/2
    # against h f''), so "sides within a quarter of the jump (plus round-off)" tells the two apart.
    o = d.one_sided
    sides = np.maximum(np.abs(o[0] - o[2]), np.abs(o[1] - o[3]))
    straight = (np.abs(o[0] - o[1]) > tol) & (sides <= 0.25 * np.abs(o[0] - o[1]) + 0.25 * tol)
    return (jump > np.maximum(KINK_REL * scale, tol)) | straight


def judge(name: str, d: Differences, got: np.ndarray, *, eps: float = float(np.finfo(np.float64).eps),
          kinks: str = "interval", extra_rel: float = 0.0, strict_eps: float | None = None,
          safety: float = SAFETY) -> ArgResult:
    """Compare ``got`` with the differences ``d`` of argument ``name``; localise the worst element."""
    shape = got.shape
    g = np.asarray(got, np.float64).ravel()
    r, tol = tolerances(d, g, eps=eps, safety=safety)
    rms = float(np.sqrt(np.mean(r * r))) if r.size else 0.0
    extra_tol = extra_rel * (np.abs(r) + rms)  # float32 round-off of the gradient under test (checker.engine)
    tol = tol + extra_tol
    kinked = find_kinks(d, r, tol) if kinks != "strict" else np.zeros(g.size, bool)
    expected = r.copy()
    if kinks == "interval" and kinked.any():
        lo, hi = d.interval
        # inside the bracket: compare with the nearest end (0 error); outside: with the nearer end
        expected[kinked] = np.clip(g, lo, hi)[kinked]
    err = np.abs(g - expected)
    bad = err > tol
    if kinks == "exclude":
        bad &= ~kinked
    precision = 0
    if strict_eps is not None:  # a float32 gradient: how many misses are round-off only
        strict = tol - extra_tol
        precision = int(np.count_nonzero((err > strict) & ~bad))
    ratio = err / tol
    if kinks == "exclude":
        ratio = np.where(kinked, 0.0, ratio)
    w = int(np.argmax(ratio)) if g.size else 0
    worst = None if not g.size else Element(
        name, tuple(int(i) for i in np.unravel_index(w, shape)), float(g[w]), float(expected[w]),
        float(err[w]), float(tol[w]), bool(kinked[w]))
    return ArgResult(
        name=name, ok=not bad.any(), shape=tuple(shape), worst=worst, n_failed=int(bad.sum()),
        n_kinks=int(kinked.sum()), kinks=kinks,
        patterns=describe(g.reshape(shape), r.reshape(shape), bad.reshape(shape)) if bad.sum() >= 2 else (),
        eps=eps, precision_only=precision, got=g.reshape(shape), expected=expected.reshape(shape),
        tol=tol.reshape(shape), kinked=kinked.reshape(shape))


def failed(name: str, shape, problem: str) -> ArgResult:
    """A structural failure: no element-wise comparison was possible."""
    return ArgResult(name=name, ok=False, shape=tuple(shape), worst=None, n_failed=int(np.prod(shape)),
                     problem=problem)
