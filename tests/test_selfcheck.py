"""selfcheck: our rules pass on drawn cases, a broken rule is reported as data (never raised), bad arguments."""
import pytest

import checker.selfcheck as sc


def test_every_rule_passes_on_drawn_cases_with_room_to_spare():
    rep = sc.selfcheck(examples=12, seed=3)
    assert rep.ok and [o.op for o in rep.ops] == list(sc.OPS)
    for o in rep.ops:
        assert o.cases == 12 and o.elements > 0 and o.adjoint_failed == 0
        assert o.max_ratio < 0.5  # every element far inside its derived tolerance
        assert o.worst is not None and o.worst_params


def test_a_broken_rule_is_a_failed_report_not_an_exception(monkeypatch):
    real = sc.meanpool_backward
    monkeypatch.setattr(sc, "meanpool_backward", lambda *a, **k: 4 * real(*a, **k))  # the missing 1/k^2
    rep = sc.selfcheck(["mean-pool"], examples=5, seed=0)
    o = rep.ops[0]
    assert not rep.ok and o.failed > 0 and o.adjoint_failed > 0
    assert not o.worst.ok and o.max_ratio > 1


def test_a_broken_conv_rule_is_found_in_dw(monkeypatch):
    real = sc.conv2d_backward

    def off(*a, **k):
        dx, dw, db = real(*a, **k)
        return dx, dw * (1 + 1e-3), db
    monkeypatch.setattr(sc, "conv2d_backward", off)
    o = sc.selfcheck(["conv"], examples=5, seed=0).ops[0]
    # every case fails in dw alone, except a case whose dw is exactly 0 (the kernel meets only padding)
    assert o.failed >= 4 and [a.name for a in o.worst.args if not a.ok] == ["w"]


@pytest.mark.parametrize("kw, name", [(dict(ops=["avg"]), "op"), (dict(examples=0), "examples")])
def test_bad_arguments(kw, name):
    with pytest.raises(ValueError, match=name):
        sc.selfcheck(**kw)


def test_cli_check_command(capsys):
    import cli

    assert cli.main(["check", "mean-pool", "--examples", "2", "--seed", "1", "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "mean pooling" in out and "✓ every rule matches" in out
    with pytest.raises(SystemExit) as e:
        cli.main(["check", "conv", "--examples", "0"])
    assert e.value.code == 2


def test_derived_formulas_are_checked_and_a_wrong_one_fails(monkeypatch):
    rep = sc.selfcheck(["conv", "mean-pool"], examples=3, seed=1, formulas=2)
    assert rep.ok and [o.formula_cases for o in rep.ops] == [2, 2]
    real = sc.conv_formula

    def off_by_two(*args, **kwargs):  # the derived dx doubled: must not pass
        fwd, bwd = real(*args, **kwargs)
        return fwd, lambda *a: (2 * bwd(*a)[0], *bwd(*a)[1:])

    monkeypatch.setattr(sc, "conv_formula", off_by_two)
    bad = sc.selfcheck(["conv"], examples=3, seed=1, formulas=2)
    assert not bad.ok and bad.ops[0].formula_failed == 2 and bad.ops[0].failed == 0


def test_progress_reports_every_case_and_ends_at_the_total():
    seen = []
    sc.selfcheck(["mean-pool"], examples=4, seed=0, formulas=1, progress=lambda *a: seen.append(a))
    assert seen[-1] == ("mean-pool", 5, 5)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)  # never goes backwards
    assert len(seen) >= 5
