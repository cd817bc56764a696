"""derive refuses by predicted cost, before any symbolic work, and names the largest shape that fits."""
import re

import pytest

from derivations import (activations, conv, cost, derive_activation, derive_conv2d, derive_full_conv2d,
                         derive_pool2d, full_conv, pool)
from derivations.cost import (FORMAT_FACTOR, LIMIT_SECONDS, SECONDS_PER_ENTRY, check_conv, conv_terms,
                              pool_seconds, predict)


def test_terms_count_products_of_every_layout():
    assert conv_terms((5, 5), (3, 3)) == 9 * 9
    assert conv_terms((5, 5), (3, 3), stride=2, pad=1) == 9 * 9
    assert conv_terms((2, 3, 8, 8), (4, 3, 3, 3)) == 2 * 4 * 36 * 27
    assert conv_terms((3, 3), (5, 5)) == 0  # no output entry


def test_the_model_grows_with_the_terms():
    assert predict(1000).seconds < predict(2000).seconds and predict(1000).mb < predict(2000).mb


@pytest.mark.parametrize("derive, args, module", [
    (derive_conv2d, ((128, 128), (5, 5)), conv), (derive_full_conv2d, ((200, 200), (5, 5)), full_conv)])
def test_refused_before_any_symbolic_work_with_the_largest_square_that_fits(derive, args, module, monkeypatch):
    def never(*a, **k):
        raise AssertionError("symbolic work started")

    monkeypatch.setattr(module, "_derive", never)
    with pytest.raises(ValueError, match=r"predicted ~\d+ s and ~\d+ MB") as err:
        derive(*args)
    fit = int(re.search(r"the largest square input that fits is (\d+)x\1", str(err.value)).group(1))
    count = (lambda s: conv_terms((s, s), (5, 5))) if derive is derive_conv2d else (lambda s: s * s * 25)
    assert predict(count(fit)).seconds <= LIMIT_SECONDS < predict(count(fit + 1)).seconds


def test_a_shape_within_the_limit_is_derived():
    assert cost.predict(conv_terms((5, 5), (3, 3))).seconds < LIMIT_SECONDS
    assert derive_conv2d((5, 5), (3, 3)).all_hold


def test_activations_are_refused_by_predicted_cost_before_symbolic_work(monkeypatch):
    monkeypatch.setattr(activations, "_derive", lambda *a: (_ for _ in ()).throw(AssertionError("started")))
    with pytest.raises(ValueError, match=r"sigmoid is predicted to take ~\d+ s .* largest square shape that fits is (\d+)x\1") as err:
        derive_activation("sigmoid", (30, 30))
    side = int(re.search(r"fits is (\d+)x", str(err.value)).group(1))
    assert SECONDS_PER_ENTRY["sigmoid"] * side * side <= LIMIT_SECONDS < SECONDS_PER_ENTRY["sigmoid"] * (side + 1) ** 2


@pytest.mark.parametrize("kind, shape, window", [("max", (40, 40), 2), ("mean", (200, 200), 2)])
def test_pooling_is_refused_by_predicted_cost_before_symbolic_work(kind, shape, window, monkeypatch):
    monkeypatch.setattr(pool, "_derive", lambda *a: (_ for _ in ()).throw(AssertionError("started")))
    values = list(range(shape[0] * shape[1])) if kind == "max" else None
    with pytest.raises(ValueError, match=rf"{kind} pooling is predicted to take ~\d+ s") as err:
        derive_pool2d(kind, shape, window, values=values)
    fit = int(re.search(r"fits is (\d+)x\1", str(err.value)).group(1))
    out = lambda s: (s // window, s // window)  # noqa: E731  (stride = window, no padding)
    assert pool_seconds(kind, out(fit), (window, window)) <= LIMIT_SECONDS < pool_seconds(kind, out(fit + 2), (window, window))


def test_json_is_predicted_at_its_measured_multiple_of_the_text_view():
    text = check_conv((48, 48), (5, 5))
    assert text.seconds <= LIMIT_SECONDS
    with pytest.raises(ValueError, match=r"predicted ~\d+ s with --format json"):
        check_conv((48, 48), (5, 5), fmt="json")
    assert check_conv((24, 24), (5, 5), fmt="json").seconds == pytest.approx(FORMAT_FACTOR["json"] *
                                                                           check_conv((24, 24), (5, 5)).seconds)
