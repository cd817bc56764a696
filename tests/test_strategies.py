"""Public strategies: always-valid cases, the promised variety, argument validation, and the torch oracle."""
import numpy as np
import pytest
from hypothesis.errors import NoSuchExample
from hypothesis import find, given, settings
from hypothesis.errors import InvalidArgument

from checker.ops import conv2d_backward, conv2d_forward, out_size
from checker.pool_ops import maxpool_backward, maxpool_forward, meanpool_backward, meanpool_forward
from checker.strategies import Conv2dCase, Pool2dCase, conv2d_cases, pool2d_cases, run_examples


@settings(max_examples=40)
@given(conv2d_cases(strides=(1, 2, 3), pads=(0, 1, 2), dilations=(1, 2, 3)))
def test_conv_cases_are_always_valid(case):
    n, c, h, w = case.x.shape
    f, c2, kh, kw = case.w.shape
    assert c == c2 and case.b.shape == (f,) and n >= 2
    ho = out_size(h, kh, stride=case.stride, pad=case.pad, dilation=case.dilation)
    wo = out_size(w, kw, stride=case.stride, pad=case.pad, dilation=case.dilation)
    assert ho >= 1 and wo >= 1 and case.dout.shape == (n, f, ho, wo)
    assert conv2d_forward(case.x, case.w, case.b, stride=case.stride, pad=case.pad,
                          dilation=case.dilation).shape == case.dout.shape


@settings(max_examples=40)
@given(pool2d_cases(kind="max", pads=(0, 1)))
def test_pool_cases_are_valid_and_tie_free_with_the_gap(case):
    assert isinstance(case, Pool2dCase) and case.x.shape[0] >= 2
    assert maxpool_forward(case.x, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad).shape == case.dout.shape
    v = np.sort(case.x.ravel())
    assert np.min(np.diff(v)) >= 1e-2 * 0.75  # min_gap, less the jitter of a quarter gap


def test_variety_is_reachable():
    # hypothesis.find: each promised kind of case is actually drawn
    assert find(conv2d_cases(), lambda c: c.x.shape[2] != c.x.shape[3] and c.w.shape[2] != c.w.shape[3])
    assert find(conv2d_cases(strides=(2,)), lambda c: c.stride == 2)
    ov = find(pool2d_cases(overlapping=True), lambda c: True)
    assert ov.stride < min(ov.pool_h, ov.pool_w)
    sq = find(conv2d_cases(square=True), lambda c: True)
    assert sq.x.shape[2] == sq.x.shape[3] and sq.w.shape[2] == sq.w.shape[3]


@settings(max_examples=20)
@given(conv2d_cases(max_side=2, max_kernel=5, pads=(0,), dilations=(1, 3)))
def test_small_sides_clamp_the_kernel_instead_of_failing(case):
    k_span = case.dilation * (np.array(case.w.shape[2:]) - 1) + 1
    assert np.all(k_span <= np.array(case.x.shape[2:]) + 2 * case.pad)


@settings(max_examples=20)
@given(pool2d_cases(overlapping=False, strides=(1, 2, 3)))
def test_non_overlapping_pools_have_stride_at_least_the_window(case):
    assert case.stride >= max(case.pool_h, case.pool_w)


def test_non_overlapping_holds_for_non_square_windows_too():
    from hypothesis import find

    # the case that slipped through when the strategy compared the stride with min(kh, kw): a 1x2 window, stride 1
    with pytest.raises(NoSuchExample):
        find(pool2d_cases(overlapping=False, strides=(1, 2, 3)), lambda c: c.stride < max(c.pool_h, c.pool_w),
             settings=settings(max_examples=300, database=None))


@settings(max_examples=20)
@given(pool2d_cases(overlapping=True, strides=(1, 2, 3)))
def test_overlapping_pools_share_cells(case):
    assert case.stride < max(case.pool_h, case.pool_w)


@pytest.mark.parametrize("call, name", [
    (lambda: conv2d_cases(max_side=0), "max_side"),
    (lambda: conv2d_cases(min_side=5, max_side=3), "min_side"),
    (lambda: conv2d_cases(strides=()), "strides"),
    (lambda: conv2d_cases(pads=(-1,)), "pads"),
    (lambda: conv2d_cases(max_filters=0), "max_filters"),
    (lambda: pool2d_cases(kind="min"), "kind"),
    (lambda: pool2d_cases(min_gap=0), "min_gap"),
    (lambda: pool2d_cases(overlapping=True, max_kernel=1), "overlapping"),
])
def test_bad_arguments_name_themselves(call, name):
    with pytest.raises(InvalidArgument, match=name):
        find(call(), lambda case: True)


def test_run_examples_drives_a_function():
    seen = []
    run_examples(conv2d_cases(max_side=4), seen.append, examples=3, seed=1)
    assert seen and all(isinstance(c, Conv2dCase) for c in seen)


# --- the torch oracle: our rules against autograd on drawn cases -------------------------------------
@settings(max_examples=30)
@given(conv2d_cases(max_side=8, strides=(1, 2, 3), pads=(0, 1, 2), dilations=(1, 2)))
def test_conv_rules_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x, w, b = (torch.tensor(a, requires_grad=True) for a in (case.x, case.w, case.b))
    out = torch.nn.functional.conv2d(x, w, b, stride=case.stride, padding=case.pad, dilation=case.dilation)
    out.backward(torch.tensor(case.dout))
    ours = conv2d_backward(case.dout, case.x, case.w, stride=case.stride, pad=case.pad, dilation=case.dilation)
    # two float64 implementations of the same sums: they differ by summation order only
    for g, t in zip(ours, (x.grad, w.grad, b.grad)):
        np.testing.assert_allclose(g, t.numpy(), rtol=1e-10, atol=1e-12)


@settings(max_examples=30)
@given(pool2d_cases(kind="max", max_side=8, strides=(1, 2, 3)))
def test_tie_free_max_pool_matches_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x = torch.tensor(case.x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(x, (case.pool_h, case.pool_w), stride=case.stride, padding=case.pad)
    out.backward(torch.tensor(case.dout))
    ours = maxpool_backward(case.dout, case.x, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad)
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=30)
@given(pool2d_cases(kind="mean", max_side=8, strides=(1, 2, 3), pads=(0, 1)))
def test_mean_pool_matches_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x = torch.tensor(case.x, requires_grad=True)
    out = torch.nn.functional.avg_pool2d(x, (case.pool_h, case.pool_w), stride=case.stride, padding=case.pad,
                                         count_include_pad=True)
    np.testing.assert_allclose(meanpool_forward(case.x, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad),
                               out.detach().numpy(), rtol=1e-12, atol=1e-12)
    out.backward(torch.tensor(case.dout))
    ours = meanpool_backward(case.dout, case.x.shape, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad)
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-12, atol=1e-12)
