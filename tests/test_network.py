"""derivations/network.py: the notes' CNN at 6x6, 2 filters, 3 classes; the layers' chained backward equals the
exact derivative of the loss for every parameter and the input; numpy finite differences agree."""
import numpy as np
import pytest
import sympy

from derivations._validate import GradproofError
from derivations.network import ORDER, derive_network
from derivations.network_steps import as_floats


def step(d, key):
    return next(s for s in d.steps if s.key == key).data


def point(d):
    """The point's values as float arrays (they are exact quarters, so float is exact)."""
    shapes = {"x": d.symbols["x"].shape, "w1": d.symbols["w1"].shape, "b1": d.symbols["b1"].shape,
              "w2": d.symbols["w2"].shape, "b2": d.symbols["b2"].shape}
    return {k: np.array([float(sympy.Rational(v)) for v in d.params["values"][k]]).reshape(shapes[k])
            for k in shapes}


def numpy_loss(v, label):
    """The network written again in numpy, as the course notes' classes compute it (channels last)."""
    x, w1, b1, w2, b2 = (v[k] for k in ("x", "w1", "b1", "w2", "b2"))
    h, w = x.shape
    F = w1.shape[0]
    Z = np.zeros((h - 2, w - 2, F))
    for i in range(h - 2):
        for j in range(w - 2):
            Z[i, j] = np.sum(x[i:i + 3, j:j + 3] * w1, axis=(1, 2)) + b1
    P = np.zeros(((h - 2) // 2, (w - 2) // 2, F))
    for i in range(P.shape[0]):
        for j in range(P.shape[1]):
            P[i, j] = np.amax(Z[2 * i:2 * i + 2, 2 * j:2 * j + 2], axis=(0, 1))
    z = P.flatten() @ w2 + b2
    e = np.exp(z - z.max())
    return -np.log(e[label] / e.sum())


def test_the_chained_deltas_equal_the_exact_derivative_for_every_parameter_and_the_input():
    d = derive_network()  # 6x6 input, 2 filters, 3 classes
    assert [r.name for r in d.rules] == [f"chain_{k}" for k in ORDER]
    assert all(r.holds for r in d.rules)
    assert [r.checked for r in d.rules] == [8 * 3, 3, 2 * 9, 2, 36]  # every entry of every gradient
    assert d.params["shapes"] == {"conv": (2, 4, 4), "pool": (2, 2, 2), "flatten": (8,), "dense": (3,)}
    assert all(layer.all_hold for layer in step(d, "network.layers").values())


def test_the_default_point_has_no_tied_window_so_the_derivative_exists():
    d = derive_network()
    Z = np.array(as_floats(step(d, "network.forward")["values"]["Z"])).reshape(2, 4, 4)
    for f in range(2):
        for i in range(2):
            for j in range(2):
                win = Z[f, 2 * i:2 * i + 2, 2 * j:2 * j + 2].ravel()
                assert np.sum(win == win.max()) == 1


def test_central_differences_of_an_independent_numpy_network_agree_with_every_gradient():
    d = derive_network()  # label 0
    v = point(d)
    back = step(d, "network.backward")["values"]
    assert abs(float(step(d, "network.untrained")["at_point"]) - numpy_loss(v, 0)) < 1e-12
    h = 1e-6  # truncation ~h^2 |L'''| ~ 1e-11; rounding ~eps |L| / h ~ 1e-10 (L ~ 2); no window is near a tie
    for k in ORDER:
        fd = np.zeros_like(v[k])
        for idx in np.ndindex(v[k].shape):
            up, down = {**v, k: v[k].copy()}, {**v, k: v[k].copy()}
            up[k][idx] += h
            down[k][idx] -= h
            fd[idx] = (numpy_loss(up, 0) - numpy_loss(down, 0)) / (2 * h)
        np.testing.assert_allclose(np.array(as_floats(back[k])).reshape(fd.shape), fd, rtol=0, atol=1e-7,
                                   err_msg=k)


def test_planted_mistakes_are_caught_at_the_first_parameter_they_break():
    d = derive_network()
    first = {p.name: (p.holds, p.counterexample.grad) for p in d.pitfalls}
    assert first == {"chain_without_minus_one": (False, "w2"), "chain_flatten_channels_first": (False, "w1"),
                     "chain_route_every_cell": (False, "w1")}
    at = {s: sympy.Rational(v) for k in ORDER for s, v in zip(sympy.flatten(d.symbols[k].tolist()),
                                                              d.params["values"][k])}
    for p in d.pitfalls:  # a real difference, not a failure to simplify: the two sides differ at the point
        cx = p.counterexample
        assert abs(float(cx.expected.xreplace(at)) - float(cx.got.xreplace(at))) > 1e-6


def test_one_filter_has_one_flatten_order_so_that_mistake_cannot_show():
    d = derive_network((4, 4), filters=1, classes=2)
    assert d.all_hold
    assert next(p for p in d.pitfalls if p.name == "chain_flatten_channels_first").holds


def test_ties_go_to_the_first_maximum_on_both_sides():
    d = derive_network(input_shape=(4, 4), filters=1, classes=2, values={"x": [0] * 16})  # Z = b1 everywhere
    assert d.all_hold
    dZ = step(d, "network.backward")["values"]["dZ"]
    assert [i for i, v in enumerate(as_floats(dZ)) if v != 0] in ([0], [])


def test_zero_dense_weights_give_the_untrained_loss_ln_classes():
    d = derive_network(classes=3, values={"w2": [0] * 24, "b2": [0, 0, 0]})
    u = step(d, "network.untrained")
    assert sympy.simplify(u["at_point"] - sympy.log(3)) == 0 and u["loss"] == sympy.log(3)


def test_shapes_step_counts_the_parameters():
    s = step(derive_network(), "network.shapes")
    assert [(layer.kind, layer.output, layer.params) for layer in s["layers"]] == [
        ("conv", (4, 4, 2), 2 * 9 + 2), ("maxpool", (2, 2, 2), 0), ("flatten", (8,), 0), ("dense", (3,), 8 * 3 + 3)]
    assert s["params"] == 47


@pytest.mark.parametrize("kwargs, word", [
    ({"input_shape": (3, 6)}, "input_shape"), ({"input_shape": (9, 9)}, "input side"), ({"filters": 0}, "filters"),
    ({"classes": 4}, "classes"), ({"filters": 3}, "filters"), ({"label": 3}, "label"), ({"values": {"w3": [1]}}, "unknown name"),
    ({"values": {"b1": [1]}}, "b1"), ({"input_shape": 6}, "input_shape"), ({"values": [1, 2]}, "values must map"),
])
def test_bad_arguments_raise_gradprooferror_naming_them(kwargs, word):
    with pytest.raises(GradproofError, match=word):
        derive_network(**kwargs)
