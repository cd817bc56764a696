"""The notes-cnn interface: the course notes' class-style layers graded in the real sandbox.

A correct loop-style submission gets full marks; each planted mistake loses exactly the parts it breaks
and keeps every other; the right answer is never called a mistake and each known mistake is named; the
gradient read from an update survives hostile values; the template and the command line take it.
"""
import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grading.compare import check, close
from grading.diagnose import diagnose
from grading.grade import grade_submission
from grading.interfaces import get_interface
from grading.notes_cnn import notes_variants
from grading.templates import student_template

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "notes_cnn"
NOTES = get_interface("notes-cnn")
SEED = 7

# mistake -> the (function, part) pairs it must lose, and the diagnosis the grader must name
MISTAKES = {
    "mistake_softmax_no_minus_one": ({("Softmax.backprop", p) for p in ("dx", "dw", "db")}, "no_minus_one"),
    "mistake_pool_every_cell": ({("MaxPool2.backprop", "dx")}, "every_cell"),
    "mistake_conv_not_summed": ({("Conv3x3.backprop", "dw")}, "not_summed"),
    "mistake_update_first": ({("Softmax.backprop", "dx")}, "update_first"),
    "mistake_unflatten_order": ({("Softmax.backprop", "dx")}, "unflatten_order"),
    "mistake_tie_all": ({("MaxPool2.backprop", "dx")}, "tie_all"),
}


@pytest.fixture(scope="module")
def graded():
    return {name: grade_submission(EX / f"{name}.py", "notes-cnn", seed=SEED)
            for name in ["correct", *MISTAKES]}


def test_the_correct_submission_gets_full_marks_in_the_sandbox(graded):
    r = graded["correct"]
    assert [f.name for f in r.functions] == [f.name for f in NOTES.functions]
    assert r.score == r.max_score == 60 and all(f.error is None for f in r.functions)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_loses_exactly_the_parts_it_breaks(graded, name):
    broken, key = MISTAKES[name]
    r = graded[name]
    for f in r.functions:
        for p in f.parts:
            if (f.name, p.part) in broken:
                assert p.passed < p.total and p.points < p.max_points, (f.name, p.part)
                assert "worst at" in p.messages[0]   # the worst element is named
            else:
                assert p.passed == p.total and p.points == p.max_points, (f.name, p.part, p.messages)
    named = {d.key for f in r.functions for d in f.diagnoses}
    assert key in named, named
    f = next(f for f in r.functions if f.name == next(iter(broken))[0])
    assert f.repro is not None and f.repro.code.count("layer.") >= 2   # the class-style reproduction


def test_a_split_among_tied_maxima_is_right_and_the_notes_size_is_in_every_battery():
    spec = NOTES.function("MaxPool2.backprop")
    [case] = [c for c in spec.battery() if c.ties and c.H == 4]
    a = case.inputs(3)
    ref = spec.reference(case, a)[0]
    # an even split among each window's tied maxima: right by the tie policy, though not our first-argmax route
    split = np.zeros_like(a["x"])
    for i in range(2):
        for j in range(2):
            win = a["x"][2 * i:2 * i + 2, 2 * j:2 * j + 2]
            top = win == win.max(axis=(0, 1))
            split[2 * i:2 * i + 2, 2 * j:2 * j + 2] = top * a["dout"][i, j] / top.sum(axis=(0, 1))
    assert not check(split, ref).ok   # the case holds a tie our first-argmax route does not split
    assert spec.judge(case, a, split, ref).ok
    assert not spec.judge(case, a, split * 2, ref).ok
    for f in NOTES.functions:
        assert any("notes' size" in c.label for c in f.battery()), f.name


@pytest.mark.parametrize("spec", NOTES.functions, ids=[f.name for f in NOTES.functions])
def test_the_right_answer_is_never_a_mistake_and_float32_is_within_tolerance(spec):
    for cfg in spec.battery():
        a = spec.inputs(cfg, 1)
        refs = spec.reference(cfg, a)
        # the right rule in float32 (measured: the notes' size sums 1352 products, whose worst-case bound
        # is above the tolerance; the error that occurs is ~sqrt(n) u of the scale, far inside it)
        f32 = spec.reference(cfg, {k: v.astype(np.float32) for k, v in a.items()})
        for j, part in enumerate(spec.parts):
            assert diagnose(spec.name, part, cfg, a, refs[j]) == [], (spec.name, part, cfg.describe())
            assert check(np.asarray(f32[j], dtype=np.float32), refs[j]).ok, (spec.name, part, cfg.describe())


@pytest.mark.parametrize("spec", [f for f in NOTES.functions if f.name.endswith("backprop")],
                         ids=lambda f: f.name)
def test_each_known_mistake_is_named_by_its_own_key(spec):
    seen = 0
    for cfg in spec.battery():
        a = spec.inputs(cfg, 2)
        refs = spec.reference(cfg, a)
        for j, part in enumerate(spec.parts):
            for key, words, thunk in notes_variants(spec.name, part, cfg, a):
                wrong = np.asarray(thunk(), dtype=float)
                if close(wrong, np.asarray(refs[j])):
                    continue   # this slip makes no difference on this case
                assert key in [d.key for d in diagnose(spec.name, part, cfg, a, wrong)], (key, cfg.describe())
                seen += 1
    assert seen >= 2


def test_the_gradient_read_from_an_update_survives_hostile_values():
    spec = NOTES.function("Softmax.backprop")
    cfg = spec.battery()[1]
    a = spec.inputs(cfg, 0)
    refs = spec.reference(cfg, a)
    for weights in (None, np.zeros(3, dtype=np.int64), np.zeros((2, 2)), np.full(a["w"].shape, 1e308),
                    np.full(a["w"].shape, np.nan)):
        got = spec.from_updates(a, [refs[0], weights, a["b"]])
        v = check(got[1], refs[1])
        assert not v.ok and v.kind in ("missing", "dtype", "shape", "nonfinite", "values")
    # the weights unchanged: a gradient of zero, named as wrong values
    assert check(spec.from_updates(a, [refs[0], a["w"].copy(), a["b"]])[1], refs[1]).kind == "values"


def test_homework_init_writes_the_class_template_and_it_grades_to_zero(tmp_path):
    out = subprocess.run([sys.executable, "cli.py", "homework", "init", str(tmp_path / "hw"),
                          "--interface", "notes-cnn"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    src = (tmp_path / "hw" / "cnn.py").read_text()
    assert src == student_template("notes-cnn") and "no self-check" in out.stdout
    classes = {n.name: [m.name for m in n.body if isinstance(m, ast.FunctionDef)]
               for n in ast.parse(src).body if isinstance(n, ast.ClassDef)}
    assert classes == {"Conv3x3": ["__init__", "forward", "backprop"], "MaxPool2": ["forward", "backprop"],
                       "Softmax": ["__init__", "forward", "backprop"]}
    r = grade_submission(tmp_path / "hw" / "cnn.py", "notes-cnn", seed=SEED)
    assert r.score == 0 and all("not written yet" in f.parts[0].messages[0] for f in r.functions)


def test_the_grade_command_takes_the_interface(tmp_path):
    out = subprocess.run([sys.executable, "cli.py", "grade", str(EX / "mistake_update_first.py"),
                          "--interface", "notes-cnn", "--seed", str(SEED)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "56 / 60" in out.stdout, out.stdout   # Softmax.backprop's dx: 4 of its 10 points
    assert "the weights after the update" in out.stdout
    assert "layer = Softmax(" in out.stdout and "dw = (w - layer.weights) / 0.5" in out.stdout


def test_the_reproduction_runs_and_shows_the_error(graded):
    f = next(f for f in graded["mistake_update_first"].functions if f.name == "Softmax.backprop")
    out = subprocess.run([sys.executable, "-c", f.repro.code], cwd=EX, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    errors = dict(line.split(" max error: ") for line in out.stdout.splitlines())
    assert float(errors["dx"]) > 1e-3 and float(errors["dw"]) < 1e-9 and float(errors["db"]) < 1e-9


HOSTILE = '''import numpy as np
class Conv3x3:
    def __init__(self, num_filters):
        raise SystemExit("no")
class MaxPool2:
    def forward(self, input):
        return "a string"
    def backprop(self, d_L_d_out):
        return np.zeros((2, 2), dtype=[("a", "f8")])
class Softmax:
    def __init__(self, input_len, nodes):
        pass
    def forward(self, input):
        self.last = input
        return np.full(3, np.nan)
    def backprop(self, d_L_d_out, learn_rate):
        self.weights = "gone"
        self.biases = np.zeros(99, dtype=np.int64)
        return None
'''


def test_hostile_class_layers_cost_only_their_own_parts_and_crash_nothing(tmp_path):
    sub = tmp_path / "cnn.py"
    sub.write_text(HOSTILE)
    r = grade_submission(sub, "notes-cnn", seed=SEED)
    assert r.score == 0 and len(r.functions) == 6
    soft = next(f for f in r.functions if f.name == "Softmax.backprop")
    words = [p.messages[0] for p in soft.parts]
    assert "return value is not a numeric array (got None)" in words[0]
    assert "self.weights after backprop is not a numeric array" in words[1] and "dtype int64" in words[2]
    assert "SystemExit" in next(f for f in r.functions if f.name == "Conv3x3.forward").parts[0].messages[0]


def test_a_notes_file_graded_as_cs231n_is_told_its_interface(tmp_path):
    r = grade_submission(EX / "correct.py", "cs231n", seed=SEED)
    assert r.score == 0 and "--interface notes-cnn" in (r.functions[0].error or "")
