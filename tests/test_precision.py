"""Tolerances from the dtype and the computation: a float32 layer judged as tightly as float32 allows,
float16 refused with a sentence, and every verdict saying how strong it was."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from checker import check_backward
from checker.ops import conv2d_backward, conv2d_forward


def as32(*a):
    return [np.asarray(v, np.float32) for v in a]


# a layer that computes in float32 whatever it is given (cs231n code that casts, or float32 buffers)
def fwd32(x, w, b):
    return conv2d_forward(*as32(x, w, b), pad=1).astype(np.float32)


def bwd32(d, x, w, b):
    return tuple(np.asarray(g, np.float32) for g in conv2d_backward(*as32(d, x, w), pad=1))


def case(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"x": (scale * rng.standard_normal((2, 3, 8, 8))).astype(np.float32),
            "w": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
            "b": rng.standard_normal(4).astype(np.float32)}


def off_at_median(arg, rel):
    """bwd32 with one entry of median size in ``arg``'s gradient off by ``rel`` (relative)."""
    i = "xwb".index(arg)

    def bwd(d, x, w, b):
        g = list(bwd32(d, x, w, b))
        flat = g[i].ravel().copy()
        j = int(np.argsort(np.abs(flat))[flat.size // 2])
        flat[j] *= 1 + rel
        g[i] = flat.reshape(g[i].shape)
        return tuple(g)
    return bwd, i


def test_the_layer_really_computes_in_float32():
    assert fwd32(*case(0).values()).dtype == np.float32
    r = check_backward(fwd32, bwd32, case(0), seed=0)
    assert r.ok and "note.float32_roundoff" in [n.key for n in r.notes]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("arg", ["x", "w"])
def test_a_float32_conv_catches_a_0_3_percent_error_in_an_entry_of_median_size(seed, arg):
    bwd, i = off_at_median(arg, 3e-3)
    r = check_backward(fwd32, bwd, case(seed), seed=seed)
    assert not r.ok and not r[arg].ok and r[arg].n_failed == 1
    assert [a.ok for a in r.args if a.name != arg] == [True, True]


def test_the_verdict_says_how_strong_it_was():
    r = check_backward(fwd32, bwd32, case(1), seed=1)
    strength = {dict(n.fields)["arg"]: float(dict(n.fields)["rel"]) for n in r.notes if n.key == "note.strength"}
    assert set(strength) == {"x", "w", "b"} and max(strength.values()) < 3e-3
    assert "would have been caught" in r.summary()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), scale=st.sampled_from([1e-3, 1e-1, 1.0, 10.0, 1e3]))
def test_a_correct_float32_layer_never_fails(seed, scale):
    r = check_backward(fwd32, bwd32, case(seed, scale), seed=seed)
    assert r.ok, r.summary()


def test_float16_inputs_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="input 'x' is float16.*float32 or float64"):
        check_backward(lambda x: 2 * x, lambda d, x: 2 * d, [np.ones(3, np.float16)])


def test_a_forward_computing_in_float16_is_refused_not_failed_falsely():
    r = check_backward(lambda x: (2 * x).astype(np.float16), lambda d, x: 2 * d, [np.ones(3)], seed=0)
    assert not r.ok and [n.key for n in r.notes] == ["note.float16"]
    assert "float16" in r.summary() and "too coarse" in r.summary()
