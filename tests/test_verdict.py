"""Verdicts and patterns: the derived tolerance, kink handling, localisation and the shape of a mistake."""
import numpy as np

from checker import check_backward
from checker.fd import Differences
from checker.patterns import describe
from checker.verdict import judge, tolerances

EPS = np.finfo(np.float64).eps


def diffs(slopes, *, h=1e-5, curvature=0.0, mag=1.0):
    """Differences of f(x + t) = slope t + curvature t^2 / 2 (curvature 0: exactly linear)."""
    slopes = np.asarray(slopes, float)
    t = np.array([h, -h, 2 * h, -2 * h])[:, None] * np.ones(slopes.size)
    return Differences(h=np.full(slopes.size, h), delta=slopes * t + curvature * t * t / 2,
                       mag=np.full(slopes.size, mag), steps=t, calls=4 * slopes.size)


def test_tolerance_is_round_off_over_step_for_exact_differences():
    d = diffs([1.0, 2.0], mag=3.0)
    r, tol = tolerances(d, np.array([1.0, 2.0]), eps=EPS)
    np.testing.assert_allclose(r, [1.0, 2.0])
    # spread 0: tol = 4 * eps * M / h + 4 eps (|got| + |R|)
    np.testing.assert_allclose(tol, 4 * EPS * 3.0 / 1e-5 + 4 * EPS * 2 * np.array([1.0, 2.0]))


def test_an_error_just_past_the_tolerance_fails_and_just_inside_passes():
    d = diffs([0.25, 0.25])
    _, tol = tolerances(d, np.array([0.25, 0.25]), eps=EPS)
    got = np.array([0.25 + 0.5 * tol[0], 0.25 + 2 * tol[1]])
    r = judge("w", d, got)
    assert not r.ok and r.n_failed == 1 and r.worst.index == (1,)
    assert "dw[1]" in r.worst.line() and "+/-" in r.worst.line()


def test_a_kink_is_bracketed_not_failed():
    # a max(x, 0) exactly at 0: right slope 1, left slope 0, both steps
    h = 1e-5
    t = np.array([h, -h, 2 * h, -2 * h])[:, None]
    d = Differences(h=np.array([h]), delta=np.maximum(t, 0), mag=np.ones(1), steps=t, calls=4)
    for got in (0.0, 1.0, 0.5):
        assert judge("x", d, np.array([got])).ok
    assert not judge("x", d, np.array([2.0])).ok
    r = judge("x", d, np.array([1.0]), kinks="strict")
    assert not r.ok and r.n_kinks == 0  # central difference 0.5 is neither slope


def test_patterns_name_the_shape_of_the_mistake():
    rng = np.random.default_rng(0)
    e = rng.standard_normal((2, 3, 6, 6))
    everywhere = np.ones(e.shape, bool)
    assert describe(0.25 * e, e, everywhere) == ("factor:0.25",)
    g = e.copy()
    g[:, :, 0, :] += 1
    bad = np.zeros(e.shape, bool)
    bad[:, :, 0, :] = True
    assert "border:1" in describe(g, e, bad)
    g, bad = e.copy(), np.zeros(e.shape, bool)
    g[1, 2, 2:4, 2:4] += 1
    bad[1, 2, 2:4, 2:4] = True
    pats = describe(g, e, bad)
    assert "one-channel:2" in pats and "one-sample:1" in pats and not any(p.startswith("border") for p in pats)
    assert "transposed" in describe(np.swapaxes(e, -1, -2), e, everywhere)
    assert "rotated" in describe(e[..., ::-1, ::-1], e, everywhere)
    assert describe(e, e, np.zeros(e.shape, bool)) == ()


def test_smooth_functions_never_cry_wolf_and_still_see_small_errors():

    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()
    cases = [
        (np.tanh, lambda d, x: d * (1 - np.tanh(x) ** 2)),
        (lambda x: np.tanh(50 * x), lambda d, x: d * 50 * (1 - np.tanh(50 * x) ** 2)),  # saturates
        (softmax, lambda d, x: softmax(x) * (d - (d * softmax(x)).sum())),
        (lambda x: np.sin(x) * np.exp(x), lambda d, x: d * (np.cos(x) + np.sin(x)) * np.exp(x)),
    ]
    rng = np.random.default_rng(5)
    for f, g in cases:
        for seed in range(15):
            x = np.clip(rng.standard_normal(rng.integers(1, 30)) * rng.choice([1e-3, 1.0, 10.0]), -5, 5)
            assert check_backward(f, g, [x], seed=seed).ok  # the plain call (a projection first)
            r = check_backward(f, g, [x], seed=seed, mode="element")
            assert r.ok, r.summary()
            assert r["x"].ratio.max() < 0.5  # margin: round-off and truncation sit well inside
    x = rng.standard_normal(20)
    assert not check_backward(np.tanh, lambda d, x: d * (1 - np.tanh(x) ** 2) * (1 + 1e-5), [x], seed=0).ok
