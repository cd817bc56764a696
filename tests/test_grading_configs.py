"""The battery covers the known bug classes; drawn and shrunk cases are valid."""
import numpy as np
import pytest

from grading.configs import ConvConfig, PoolConfig, conv_battery, drawn, pool_battery


def test_battery_covers_the_bug_classes():
    conv, pool = conv_battery(), pool_battery()
    assert any(c.stride == 2 and c.pad > 0 for c in conv)
    assert any(c.N > 1 for c in conv) and any(c.H != c.W or c.HH != c.WW for c in conv)
    assert {0, 1, 2} <= {c.pad for c in conv} and {1, 5} <= {c.HH for c in conv}
    assert any((c.H + 2 * c.pad - c.HH) % c.stride for c in conv)  # strides that do not divide the input
    assert any((p.pool_h, p.stride) == (3, 2) for p in pool) and any((p.pool_h, p.stride) == (2, 1) for p in pool)
    assert any((p.H - p.pool_h) % p.stride for p in pool)


def test_pool_inputs_are_tie_free_except_in_the_tie_cases():
    for cfg in pool_battery():
        if cfg.ties:
            continue
        x = cfg.inputs(3)["x"].ravel()
        assert np.diff(np.sort(x)).min() > 0.05


def test_drawn_cases_are_seeded_and_valid():
    a, b = drawn("conv", 7, 3), drawn("conv", 7, 3)
    assert a == b and all(isinstance(c, ConvConfig) for c in a)
    assert all(isinstance(c, PoolConfig) for c in drawn("pool", 7, 3))


@pytest.mark.parametrize("seed", [0, 1, 7, 1234])
def test_drawn_cases_are_valid_and_shrink_to_smaller_valid_ones(seed):
    for cfg in drawn("conv", seed, 3) + drawn("pool", seed, 3):
        ho, wo = cfg.out_hw
        assert ho >= 1 and wo >= 1
        for s in cfg.smaller()[:20]:
            assert s.size < cfg.size and min(s.out_hw) >= 1


def test_the_tie_cases_hold_ties_on_every_seed():
    tied = [c for c in pool_battery() if c.ties]
    assert len(tied) >= 2 and all(c.stride >= max(c.pool_h, c.pool_w) for c in tied)
    for cfg in tied:
        for seed in range(20):
            x = cfg.inputs(seed)["x"]
            ho, wo = cfg.out_hw
            wins = [x[n, c, i * cfg.stride:i * cfg.stride + cfg.pool_h, j * cfg.stride:j * cfg.stride + cfg.pool_w]
                    for n in range(cfg.N) for c in range(cfg.C) for i in range(ho) for j in range(wo)]
            assert sum((w == w.max()).sum() > 1 for w in wins) >= 2, (cfg, seed)
