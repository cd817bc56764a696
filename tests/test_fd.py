"""The differencing engine and the colourings: exact where the maths is exact, equal to one-at-a-time probes."""
import numpy as np
import pytest
from hypothesis import given, settings

from checker.colouring import PerFilter, Window2d, conv2d_structure, pool2d_structure
from checker.fd import SIGNS, differences, element_probes, step_sizes
from checker.ops import conv2d_forward
from checker.pool_ops import maxpool_forward
from checker.strategies import conv2d_cases, pool2d_cases


def test_step_is_cube_root_of_eps_times_scale():
    eps = np.finfo(np.float64).eps
    h = step_sizes(np.array([0.0, 1.0, -4.0]), eps=eps)
    # 0 takes the mean magnitude (5/3) as its scale; the others their own magnitude
    np.testing.assert_allclose(h, eps ** (1 / 3) * np.array([5 / 3, 5 / 3, 4.0]))


def test_quadratic_is_differenced_exactly_and_the_two_steps_agree():
    x = np.array([0.5, -2.0, 3.0])
    d = differences(lambda a: a ** 2, (x,), np.ones(3), arg=0, probes=element_probes(x.shape))
    np.testing.assert_allclose(d.d1, 2 * x, rtol=1e-9)  # central differences are exact for quadratics
    np.testing.assert_allclose(d.d1, d.d2, rtol=1e-9)
    assert d.calls == 12


def test_cubic_truncation_shows_in_the_spread_and_richardson_removes_it():
    x = np.array([1.0, 2.0])
    d = differences(lambda a: a ** 3, (x,), np.ones(2), arg=0, probes=element_probes(x.shape))
    trunc = np.abs(d.d1 - 3 * x ** 2)  # = h^2: what the spread must bound
    assert np.all(np.abs(d.d1 - d.d2) / 3 >= 0.5 * trunc)
    r = d.d1 + (d.d1 - d.d2) / 3
    # what is left is round-off, which the cube-root step makes about as large as h^2 was: a factor 5 gain
    assert np.all(np.abs(r - 3 * x ** 2) < 0.2 * trunc)


def test_a_kink_inside_the_stencil_shows_as_curvature_of_the_size_of_the_jump():
    x = np.array([0.0, 1.0])
    d = differences(lambda a: np.maximum(a, 0), (x,), np.ones(2), arg=0, probes=element_probes(x.shape))
    assert d.curvature[0] > 0.9 and d.curvature[1] < 1e-9
    lo, hi = d.one_sided.min(axis=0), d.one_sided.max(axis=0)
    assert lo[0] == 0 and hi[0] == 1  # the bracket holds both slopes of the kink


def test_the_steps_are_the_exactly_representable_differences():
    x = np.array([0.1, 1e3])
    d = differences(lambda a: a, (x,), np.ones(2), arg=0, probes=element_probes(x.shape))
    for k, t in enumerate(SIGNS):
        np.testing.assert_array_equal(d.steps[k], (x + t * step_sizes(x, eps=np.finfo(float).eps)) - x)


def test_batched_element_probes_stack_samples_and_agree():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 2, 4, 4)), rng.standard_normal((2, 2, 2, 2))
    f = lambda x, w: conv2d_forward(x, w)
    dout = rng.standard_normal(f(x, w).shape)
    one = differences(f, (x, w), dout, arg=0, probes=element_probes(x.shape))
    many = differences(f, (x, w), dout, arg=0, probes=element_probes(x.shape, batched=True), batched=(0,), chunk=64)
    # the same perturbed losses, evaluated stacked or alone: they differ by the round-off of L,
    # ~eps*sum|out*dout|/h ~ 2e-16 * 1e2 / 6e-6 ~ 4e-9, relative to |d1| ~ 1-10
    scale = np.abs(one.d1).max() + 1
    np.testing.assert_allclose(many.d1, one.d1, rtol=0, atol=1e-8 * scale)
    assert many.calls == int(np.ceil(x.size * 4 / 64)) and one.calls == 4 * x.size


@settings(max_examples=25)
@given(conv2d_cases(max_side=7, strides=(1, 2, 3), pads=(0, 1, 2), dilations=(1, 2)))
def test_conv_colouring_gives_the_same_differences_as_one_entry_at_a_time(case):
    p = dict(stride=case.stride, pad=case.pad, dilation=case.dilation)
    f = lambda x, w, b: conv2d_forward(x, w, b, **p)
    args = (case.x, case.w, case.b)
    s = conv2d_structure(case.w.shape, **p)
    for i, name in enumerate("xwb"):
        one = differences(f, args, case.dout, arg=i, probes=element_probes(args[i].shape))
        probes = s[name].probes(args[i].shape, case.dout.shape, batched=False)
        col = differences(f, args, case.dout, arg=i, probes=probes)
        # the same four evaluations per element, summed in another order: equal to round-off
        scale = np.abs(one.d1).max() + 1
        np.testing.assert_allclose(col.d1, one.d1, rtol=0, atol=1e-8 * scale)
        assert col.calls <= one.calls


@settings(max_examples=15)
@given(pool2d_cases(kind="max", max_side=7, pads=(0, 1), overlapping=True))
def test_pool_colouring_matches_on_overlapping_windows(case):
    p = dict(stride=case.stride, pad=case.pad)
    f = lambda x: maxpool_forward(x, case.pool_h, case.pool_w, **p)
    s = pool2d_structure(case.pool_h, case.pool_w, **p)["x"]
    one = differences(f, (case.x,), case.dout, arg=0, probes=element_probes(case.x.shape))
    col = differences(f, (case.x,), case.dout, arg=0, probes=s.probes(case.x.shape, case.dout.shape, batched=False))
    # as for conv above: the same four evaluations per element in another order, equal to round-off of L
    scale = np.abs(one.d1).max() + 1
    np.testing.assert_allclose(col.d1, one.d1, rtol=0, atol=1e-8 * scale)


def test_colour_counts():
    assert Window2d(3, 3).colours((2, 3, 16, 16)) == 27
    assert Window2d(3, 3, dilation=2).colours((1, 1, 16, 16)) == 25  # dilated span 5
    assert Window2d(2, 2, mixes_channels=False).colours((1, 8, 9, 9)) == 4
    assert PerFilter().colours((4, 3, 3, 3)) == 27


def test_a_structure_that_cannot_fit_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="Window2d"):
        list(Window2d(3, 3).probes((2, 3, 8), (2, 4, 6, 6), batched=False))
    with pytest.raises(ValueError, match="PerFilter"):
        list(PerFilter().probes((5, 3, 3, 3), (2, 4, 6, 6)))
