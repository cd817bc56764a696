"""Pooling over channels: C independent (H, W) derivations stacked, proved channel by channel."""
import pytest
import sympy

from derivations import derive_pool2d


def test_each_channel_is_its_own_two_dimensional_derivation():
    d = derive_pool2d("mean", (2, 4, 4), 2)
    one = derive_pool2d("mean", (4, 4), 2)
    assert d.forward.shape == (2, 2, 2) and d.grads["A"].shape == (2, 4, 4) and d.all_hold
    # channel 2's gradient is the single-channel one with the channel in every name (G11 -> G211)
    rename = {s: sympy.Symbol("G2" + s.name[1:], real=True) for s in one.grads["A"].free_symbols}
    assert d.grads["A"][1, :, :] == one.grads["A"].xreplace(rename)
    assert d.params["input_shape"] == (2, 4, 4) and d.params["output_shape"] == (2, 2, 2)


def test_a_rule_takes_its_witness_from_a_channel_as_bad_as_its_verdict_the_worst():
    # channel 1: a two-way tie (Heaviside valid, not our convention); channel 2: a three-way tie (invalid):
    # channel 1's entry would show a valid split as the counterexample of an invalid rule
    d = derive_pool2d("max", (2, 2, 2), 2, values=[7, 7, 1, 0, 3, 3, 3, 0])
    heavi = next(p for p in d.pitfalls if p.name == "heaviside_diff")
    assert not heavi.holds and heavi.counterexample.index == (1, 0, 0) and heavi.tie_verdict == "not_subgradient"
    assert d.all_hold and d.grads["A"][1, 0, 0] == sympy.Symbol("G211", real=True)
    assert heavi.checked == 2  # each channel's proof stops at its first wrong entry: one entry each


def test_shape_mismatch_keeps_the_channel_axis_and_values_are_counted_per_channel():
    d = derive_pool2d("mean", (2, 4, 4), 2, stride=1)
    kron = next(p for p in d.pitfalls if p.name == "kron_expand")
    assert tuple(kron.counterexample.expected) == (2, 4, 4) and tuple(kron.counterexample.got) == (2, 6, 6)
    with pytest.raises(ValueError, match=r"\(channel by channel\)"):
        derive_pool2d("max", (2, 2, 2), 2, values=[1, 2, 3, 4])


def test_the_command_line_shows_each_channel(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "cli.py"), "derive", "max-pool", "--input", "2x2x2",
                        "--values", "7,7,1,0,3,3,3,0", "--no-color"], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr
    assert "A: channel 2" in r.stdout and "A211" in r.stdout and "output_shape  2x1x1" in r.stdout
