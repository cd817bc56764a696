"""The random-direction screen of mode "auto": right slopes pass, one wrong entry fails, kinks defer."""
import numpy as np

from checker.screen import screen


def run(f, g, x, seed=0):
    dout = np.random.default_rng(seed + 100).standard_normal(f(x).shape)
    return screen(f, [x], [0], dout, f(x), [g], eps=float(np.finfo(x.dtype).eps), rng=np.random.default_rng(seed))


def test_a_right_gradient_passes_and_one_entry_off_by_1e_6_of_median_size_fails():
    x = np.random.default_rng(0).standard_normal(200)
    dout_x = lambda seed: np.random.default_rng(seed + 100).standard_normal(200)
    g = dout_x(0) * np.cos(x)
    assert run(np.sin, g, x).ok
    j = int(np.argsort(np.abs(g))[100])  # an entry of median size
    g[j] *= 1 + 1e-6
    r = run(np.sin, g, x)
    assert not r.ok and not r.kinked and abs(r.got - r.expected) > r.tol


def test_a_kink_along_the_direction_defers_to_the_per_entry_differences():
    x = np.array([-1.0, 0.0, 2.0])
    r = run(lambda x: np.maximum(x, 0), np.zeros(3), x)
    assert r.kinked and not r.ok


def test_the_stated_strength_is_the_tolerance_over_a_typical_entry():
    x = np.random.default_rng(1).standard_normal(50)
    r = run(lambda x: 3 * x, np.full(50, 3.0) * np.random.default_rng(101).standard_normal(50), x, seed=1)
    assert r.ok and 0 < r.strength[0] < 1e-6
