"""derive full-conv is MATLAB's conv2(A, K, 'full'): compared with a loop-based numpy full convolution."""
import numpy as np
import pytest
import sympy

from derivations import derive_full_conv2d


def numpy_valid_xcorr(a, k):
    """xcorr(a, k, 'valid') with plain loops: out[i, j] = sum a[i+p, j+q] k[p, q]."""
    kh, kw = k.shape
    out = np.zeros((a.shape[0] - kh + 1, a.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for p in range(kh):
                for q in range(kw):
                    out[i, j] += a[i + p, j + q] * k[p, q]
    return out


def numpy_full_conv(a, k):
    """conv2(a, k, 'full') by its definition: the kernel flipped, slid over a padded by the kernel size - 1."""
    kh, kw = k.shape
    h, w = a.shape
    padded = np.zeros((h + 2 * (kh - 1), w + 2 * (kw - 1)))
    padded[kh - 1 : kh - 1 + h, kw - 1 : kw - 1 + w] = a
    flipped = np.array([[k[kh - 1 - p, kw - 1 - q] for q in range(kw)] for p in range(kh)], dtype=float)
    return numpy_valid_xcorr(padded, flipped)


def test_the_loop_reference_is_matlabs_conv2_on_the_course_example():
    # conv2(ones(3), [1 2 3; 4 5 6; 7 8 9], 'full'), as MATLAB prints it
    want = [[1, 3, 6, 5, 3], [5, 12, 21, 16, 9], [12, 27, 45, 33, 18], [11, 24, 39, 28, 15], [7, 15, 24, 17, 9]]
    assert numpy_full_conv(np.ones((3, 3)), np.arange(1.0, 10.0).reshape(3, 3)).tolist() == want


@pytest.mark.parametrize("ashape, kshape", [((3, 3), (3, 3)), ((4, 3), (2, 3)), ((2, 5), (3, 2)), ((1, 1), (2, 2))])
def test_forward_is_conv2_full_entry_by_entry(ashape, kshape):
    rng = np.random.default_rng(sum(ashape + kshape))
    a, k = rng.integers(-5, 6, ashape), rng.integers(-5, 6, kshape)
    d = derive_full_conv2d(ashape, kshape, bias=False)
    subs = {**{s: int(v) for s, v in zip(sympy.flatten(d.symbols["A"].tolist()), a.ravel())},
            **{s: int(v) for s, v in zip(sympy.flatten(d.symbols["K"].tolist()), k.ravel())}}
    got = np.array([float(e.xreplace(subs)) for e in sympy.flatten(d.forward.tolist())]).reshape(d.forward.shape)
    want = numpy_full_conv(a.astype(float), k.astype(float))
    assert got.shape == want.shape
    assert np.array_equal(got, want)  # small integers: every sum is exact in float64
    assert d.all_hold and d.rule("forward_full_xcorr_rot180").holds


def test_seed_entries_name_the_flip():
    d = derive_full_conv2d((3, 3), (3, 3))
    B11 = d.forward[0, 0]
    assert B11 == sympy.Symbol("A11", real=True) * sympy.Symbol("K11", real=True) + sympy.Symbol("b", real=True)
    assert d.op == "full_conv2d" and d.params["mode"] == "full" and d.params["output_shape"] == (5, 5)
    assert d.rule("forward_full_xcorr_rot180").statement == "B = full_xcorr(A, rot180(K)) + b"


def test_gradients_are_valid_cross_correlations_numerically():
    rng = np.random.default_rng(7)
    a, k = rng.integers(-4, 5, (3, 4)), rng.integers(-4, 5, (2, 3))
    d = derive_full_conv2d(a.shape, k.shape, bias=False)
    g = rng.integers(-4, 5, d.forward.shape)
    subs = {}
    for name, vals in (("A", a), ("K", k), ("G", g)):
        subs.update({s: int(v) for s, v in zip(sympy.flatten(d.symbols[name].tolist()), vals.ravel())})
    num = {n: np.array([float(e.xreplace(subs)) for e in sympy.flatten(d.grads[n].tolist())]).reshape(d.grads[n].shape)
           for n in ("A", "K")}
    assert np.array_equal(num["A"], numpy_valid_xcorr(g.astype(float), k.astype(float)))
    assert np.array_equal(num["K"], numpy_valid_xcorr(g.astype(float), a.astype(float)))
    rotated = d.pitfalls[0]
    assert rotated.name == "dx_rotated_kernel" and not rotated.holds


def test_cs231n_layout_sums_channels_and_filters():
    d = derive_full_conv2d((2, 2, 2, 3), (3, 2, 2, 2))
    assert d.forward.shape == (2, 3, 3, 4) and d.all_hold
    assert [p.holds for p in d.pitfalls] == [False]


def test_bad_shapes_name_the_argument():
    with pytest.raises(ValueError, match=r"kernel_shape has 3 channels but input_shape has 2"):
        derive_full_conv2d((1, 2, 3, 3), (1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"kernel_shape must have 2 sizes"):
        derive_full_conv2d((3, 3), (1, 1, 2, 2))
