"""The real-code corpus: its list and labels are well-formed, and the torch oracle judges toy solutions right.

No network and no cache: the toy solutions are written here; the torch-based checks skip without torch
(CI installs it through the ``oracle`` extra).
"""
import importlib.util
import json
import re

import numpy as np
import pytest

from corpus import label as oracle
from corpus.fetch import CORPUS, verify
from corpus.label import FUNCTIONS, LABELS, PoolCase, tie_verdict

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch (the oracle) is not installed")


def test_corpus_lists_thirty_real_solutions_by_reference_only():
    corpus = json.loads(CORPUS.read_text())
    sols = corpus["solutions"]
    assert len(sols) >= 30
    assert len({s["repo"] for s in sols}) >= 30, "different repositories"
    assert len({s["committed"][:4] for s in sols}) >= 4, "different years"
    assert len({s["id"] for s in sols}) == len(sols)
    for s in sols:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", s["repo"]), s
        assert s["id"] == s["repo"].replace("/", "+", 1)
        assert re.fullmatch(r"[0-9a-f]{40}", s["commit"]) and re.fullmatch(r"[0-9a-f]{64}", s["sha256"]), s
        assert s["path"].endswith("layers.py") and re.fullmatch(r"\d{4}-\d\d-\d\d", s["committed"])
    assert set(corpus["functions"]) == set(FUNCTIONS)


def test_labels_cover_every_solution_and_the_current_cases():
    sols = json.loads(CORPUS.read_text())["solutions"]
    labels = json.loads(LABELS.read_text())
    for fname, (cases, *_rest) in FUNCTIONS.items():
        assert labels["cases"][fname] == [c._asdict() for c in cases], f"{fname}: relabel after changing cases"
    for s in sols:
        got = labels["labels"][s["id"]]
        assert set(got) == set(FUNCTIONS)
        for fname, lab in got.items():
            assert lab["label"] in ("correct", "wrong", "crash")
            assert len(lab["cases"]) == len(FUNCTIONS[fname][0])
            assert (lab["label"] == "correct") == all(k == "ok" for k in lab["cases"])
            assert lab["label"] == "correct" or (lab["case"] and lab["reason"])


def test_a_file_that_is_not_in_the_cache_is_reported_missing(tmp_path, monkeypatch):
    monkeypatch.setattr("corpus.fetch.CACHE", tmp_path)
    sol = {"id": "someone+repo", "sha256": "0" * 64}
    assert verify(sol) == "missing"
    (tmp_path / "someone+repo.py").write_text("x = 1\n")
    assert verify(sol).startswith("sha256")


# --- the tie rule, numpy only ----------------------------------------------------------------------------
TIE = PoolCase("ties", 1, 1, 2, 4, 2, 2, 2, "relu")
X = np.array([[[[0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 3.0, 2.0]]]])     # window 1: four zeros; window 2: two 3s
DOUT = np.array([[[[2.0, -1.0]]]])


def _dx(w1, w2):
    dx = np.zeros_like(X)
    dx[0, 0, :, :2] = np.array(w1).reshape(2, 2) * DOUT[0, 0, 0, 0]
    dx[0, 0, :, 2:] = np.array(w2).reshape(2, 2) * DOUT[0, 0, 0, 1]
    return dx


@pytest.mark.parametrize("w1, w2", [([1, 0, 0, 0], [0, 1, 0, 0]), ([0, 0, 0, 1], [0, 0, 1, 0]),
                                    ([.25] * 4, [0, .5, .5, 0]), ([.7, .3, 0, 0], [0, .9, .1, 0])])
def test_any_split_among_tied_maxima_is_right(w1, w2):
    assert tie_verdict(X, DOUT, _dx(w1, w2), TIE) is None


@pytest.mark.parametrize("w1, w2, words", [
    ([1, 1, 1, 1], [0, 1, 1, 0], "sum to"),                      # every tied maximum gets all of it
    ([1, 0, 0, 0], [0, 1, 1, 0], "sum to"),
    ([1, 0, 0, 0], [0, 1.5, -.5, 0], "below 0"),
    ([1, 0, 0, 0], [0, 0, 0, 1], "not a maximum"),
    ([.5, 0, 0, 0], [0, 1, 0, 0], "sum to"),
])
def test_wrong_tie_routing_is_caught(w1, w2, words):
    assert words in tie_verdict(X, DOUT, _dx(w1, w2), TIE)


# --- toy solutions through the whole oracle (child process + torch) ---------------------------------------
TOY = '''
import numpy as np

def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = 1 + (H + 2 * p - HH) // s, 1 + (W + 2 * p - WW) // s
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * s:i * s + HH, j * s:j * s + WW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)

def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            g = dout[:, :, i, j]
            dxp[:, :, i * s:i * s + HH, j * s:j * s + WW] += np.tensordot(g, w, axes=(1, 0))
            dw += np.tensordot(g, xp[:, :, i * s:i * s + HH, j * s:j * s + WW], axes=(0, 0))
    dx = dxp[:, :, p:p + H, p:p + W]
    return dx, dw, dout.sum(axis=(0, 2, 3))

def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out = np.zeros((N, C, 1 + (H - ph) // s, 1 + (W - pw) // s))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)

def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    a, k = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * s + a, j * s + k] += dout[n, c, i, j]
    return dx
'''
PAD_BUG = TOY.replace("dxp[:, :, p:p + H, p:p + W]", "dxp[:, :, p:-p, p:-p]")
ASSIGN_BUG = TOY.replace("dx[n, c, i * s + a, j * s + k] += dout", "dx[n, c, i * s + a, j * s + k] = dout")
MASK_BUG = TOY.replace(
    "                    a, k = np.unravel_index(np.argmax(win), win.shape)\n"
    "                    dx[n, c, i * s + a, j * s + k] += dout[n, c, i, j]",
    "                    dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += (win == win.max()) * dout[n, c, i, j]")


def test_the_bugs_are_planted():
    assert len({TOY, PAD_BUG, ASSIGN_BUG, MASK_BUG}) == 4


@needs_torch
def test_a_correct_solution_is_correct_everywhere():
    for fname in FUNCTIONS:
        assert oracle.label(TOY.encode(), fname)["label"] == "correct", fname


@needs_torch
def test_the_empty_unpad_slice_is_wrong_at_pad_0_only():
    lab = oracle.label(PAD_BUG.encode(), "conv_backward_naive")
    assert lab["label"] == "wrong" and lab["case"] == "conv stride 1 pad 0" and "dx has shape" in lab["reason"]
    pads = [c.pad for c in FUNCTIONS["conv_backward_naive"][0]]
    assert [k != "ok" for k in lab["cases"]] == [p == 0 for p in pads]


@needs_torch
def test_assignment_instead_of_accumulation_is_wrong_with_overlapping_windows_only():
    lab = oracle.label(ASSIGN_BUG.encode(), "max_pool_backward_naive")
    assert lab["label"] == "wrong" and "overlapping" in lab["case"]
    cases = FUNCTIONS["max_pool_backward_naive"][0]
    assert all((k == "ok") == (c.stride >= max(c.PH, c.PW)) for c, k in zip(cases, lab["cases"]))


@needs_torch
def test_the_equals_max_mask_is_wrong_at_ties_only():
    lab = oracle.label(MASK_BUG.encode(), "max_pool_backward_naive")
    assert lab["label"] == "wrong" and "ties" in lab["case"] and "sum to" in lab["reason"]
    cases = FUNCTIONS["max_pool_backward_naive"][0]
    assert all((k == "ok") == (c.values == "normal") for c, k in zip(cases, lab["cases"]))


@needs_torch
def test_a_missing_helper_module_costs_only_the_function_that_uses_it():
    src = "import gradproof_no_such_module.plots as plt\n" + TOY.replace(
        "    return dx\n", "    plt.show(dx)\n    return dx\n")
    assert oracle.label(src.encode(), "conv_forward_naive")["label"] == "correct"
    lab = oracle.label(src.encode(), "max_pool_backward_naive")
    assert lab["label"] == "crash" and "not installed" in lab["reason"]


@needs_torch
def test_a_raising_or_unparsable_solution_is_a_crash():
    broken = TOY.replace("def conv_forward_naive(x, w, b, conv_param):\n",
                         "def conv_forward_naive(x, w, b, conv_param):\n    raise RuntimeError('todo')\n")
    lab = oracle.label(broken.encode(), "conv_forward_naive")
    assert lab["label"] == "crash" and "todo" in lab["reason"]
    lab = oracle.label(b"def broken(:\n", "max_pool_forward_naive")
    assert lab["label"] == "crash" and "SyntaxError" in lab["reason"]


# --- bench/grade_realworld.py: a disagreement is blamed on a policy only when the policy explains it --------
def _bench():
    spec = importlib.util.spec_from_file_location("grade_realworld", oracle.HERE.parent / "bench" / "grade_realworld.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_bench_names_a_policy_only_when_every_failure_is_explained():
    from grading.results import FunctionResult, PartResult
    bench = _bench()
    nondiv = {"x 1x1x5x5, window 2x2, stride 2"}
    only_nondiv = FunctionResult("f", [PartResult("out", 8, 9, ["stride 2 does not divide 5: x 1x1x5x5, window 2x2, "
                                                                "stride 2: AssertionError"])])
    assert bench.grader_reason(only_nondiv, nondiv).startswith("policy: non-divisible")
    more = FunctionResult("f", [PartResult("out", 7, 9, ["stride 2 does not divide 5: x 1x1x5x5, window 2x2, stride 2: "
                                                         "AssertionError", "x 2x2x4x4, window 2x2, stride 2: values"])])
    assert bench.grader_reason(more, nondiv).startswith("false fail")
    imports = FunctionResult("f", [PartResult("out", 0, 9)], error="ModuleNotFoundError: No module named 'pdb'")
    assert bench.grader_reason(imports, nondiv).startswith("policy: imports")
    lab = {"case": "ties", "reason": "sum to 4", "cases": ["ok", "ties"]}
    cases = [{"values": "normal"}, {"values": "relu"}]
    credited = FunctionResult("f", [PartResult("dx", 3, 9, fd_credit=True)])
    assert bench.oracle_reason(credited, lab, cases).startswith("policy: fd credit")
    full = FunctionResult("f", [PartResult("dx", 9, 9)])
    assert "no tie case" in bench.oracle_reason(full, lab, cases)
    assert bench.oracle_reason(full, dict(lab, cases=["values", "ok"]), cases).startswith("false credit: oracle")
