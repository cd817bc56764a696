"""Every known-wrong variant is recognised by its own name; the right answer is never called a mistake."""
import numpy as np
import pytest

from grading.compare import close
from grading.configs import ConvConfig, PoolConfig
from grading.diagnose import _variants, diagnose
from grading.interfaces import INTERFACES

CONV = ConvConfig(2, 2, 5, 5, 2, 3, 3, stride=2, pad=1)   # F == C so that swapped axes keep the shape
POOL = PoolConfig(2, 1, 5, 5, 3, 3, 2)                    # overlapping windows

# the class-style layers have batteries of their own: tests/test_grading_notes_cnn.py
CASES = [(f, CONV if f.family == "conv" else POOL) for i in INTERFACES.values() for f in i.functions
         if f.family != "notes"]


@pytest.mark.parametrize("spec, cfg", CASES, ids=[f"{f.name}" for f, _ in CASES])
def test_each_variant_is_named_and_the_right_answer_is_not(spec, cfg):
    inputs = spec.inputs(cfg, 1)
    refs = spec.reference(cfg, inputs)
    seen = 0
    for j, part in enumerate(spec.parts):
        assert diagnose(spec.name, part, cfg, inputs, refs[j]) == []
        for key, words, thunk in _variants(spec.role, part, cfg, inputs):
            wrong = thunk()
            if wrong is None or close(wrong, np.asarray(refs[j])):
                continue  # this slip makes no difference on this case
            found = [d.key for d in diagnose(spec.name, part, cfg, inputs, wrong)]
            assert key in found, (key, words)
            seen += 1
    assert seen >= 1  # every function has at least one mistake the grader can name


def test_off_by_one_output_size_is_named():
    inputs = CONV.inputs(0)
    short = np.zeros((2, 2, 2, 2))  # H' is 3 here
    [d] = diagnose("conv_forward_naive", "out", CONV, inputs, short)
    assert d.key == "off_by_one" and "= 3" in d.words
    assert d.command == "gradproof derive conv --input 5x5 --kernel 3x3 --stride 2 --pad 1"


def test_unrelated_garbage_is_not_named():
    inputs = CONV.inputs(0)
    rng = np.random.default_rng(0)
    assert diagnose("conv_backward_naive", "dx", CONV, inputs, rng.standard_normal((2, 2, 5, 5))) == []


@pytest.mark.parametrize("cfg, op", [(CONV, "conv"), (POOL, "max-pool"), (POOL, "mean-pool")])
def test_the_suggested_command_is_a_valid_derive_command(cfg, op):
    import cli

    argv = cfg.command(op).split()[1:]  # after 'gradproof'
    args = cli.build_parser().parse_args(argv)
    assert args.command == "derive" and args.op == op
    if op == "max-pool":
        assert sorted(int(v) for v in args.values) == list(range(1, cfg.H * cfg.W + 1))


def test_the_max_pool_command_runs_and_rejects_assignment():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "cli.py", *POOL.command().split()[1:], "--no-color"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "assign_not_add" in out.stdout


# the derivation's pitfall that each mistake is: the command a diagnosis suggests must show it refuted
PITFALL = {"assign": "assign_not_add", "not_rotated": "dx_unrotated_kernel", "no_dilation": "dx_no_dilation"}


def _suggested_derivation(cfg, op):
    import cli
    from derivations import derive_conv2d, derive_pool2d

    args = cli.build_parser().parse_args(cfg.command(op).split()[1:])
    if op == "conv":
        return derive_conv2d(args.input, args.kernel, stride=args.stride, pad=args.pad)
    window = args.window[0] if len(args.window) == 1 else args.window
    return derive_pool2d("max", args.input, window, stride=args.stride, values=args.values)


def test_the_suggested_derivation_refutes_the_mistake_it_names():
    """A diagnosis whose derivation showed the student's slip as holding would tell them their bug is right.

    Every battery case of the two backward functions is tried; on a case where no mistake with a pitfall
    changes the answer (no overlap, a 1x1 kernel) there is nothing to show, so the test also requires
    that enough cases did show one: it cannot pass by checking nothing.
    """
    shown = 0
    for spec, cfg in [(f, c) for f, cfg in CASES if f.name in ("conv_backward_naive", "max_pool_backward_naive")
                      for c in f.battery(0) + [cfg]]:
        inputs = spec.inputs(cfg, 1)
        refs = spec.reference(cfg, inputs)
        op = "conv" if spec.family == "conv" else "max-pool"
        checked = set()
        for j, part in enumerate(spec.parts):
            for key, words, thunk in _variants(spec.role, part, cfg, inputs):
                wrong = thunk() if key in PITFALL else None
                if wrong is None or wrong.shape != np.shape(refs[j]) or close(wrong, np.asarray(refs[j])):
                    continue  # never diagnosed on this case
                assert key in [d.key for d in diagnose(spec.name, part, cfg, inputs, wrong)]
                checked.add(PITFALL[key])
        if not checked:
            continue
        shown += 1
        pitfalls = {r.name: r.holds for r in _suggested_derivation(cfg, op).pitfalls}
        assert {name: pitfalls.get(name) for name in checked} == {name: False for name in checked}, cfg.describe()
    assert shown >= 5, shown
