"""Reports: Gradescope results.json has the documented fields; JUnit parses; JSON round-trips."""
import json
import xml.etree.ElementTree as ET

import pytest

from grading.report import gradescope, junit, to_json
from grading.results import FunctionResult, PartResult, SubmissionResult
from grading.diagnose import Diagnosis


def _result():
    bad = PartResult("dx", 2, 4, ["stride 2: wrong values"], points=2.5, max_points=5)
    good = PartResult("db", 4, 4, points=2, max_points=2)
    f = FunctionResult("conv_backward_naive", [bad, good],
                       diagnoses=[Diagnosis("not_rotated", "dx uses the kernel unrotated",
                                            "gradproof derive conv")])
    return SubmissionResult("s.py", "cs231n", [f], seconds=1.5)


def test_gradescope_has_the_documented_fields():
    g = json.loads(json.dumps(gradescope(_result())))
    assert {"score", "execution_time", "output", "visibility", "tests"} <= set(g)
    assert g["score"] == 4.5
    for t in g["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["name"].startswith("conv_backward_naive") and t["status"] in ("passed", "failed")
    assert [t["status"] for t in g["tests"]] == ["failed", "passed"]
    assert "unrotated" in g["tests"][0]["output"]


def test_gradescope_rejects_unknown_visibility():
    with pytest.raises(ValueError, match="visibility"):
        gradescope(_result(), visibility="public")


def test_junit_and_json():
    root = ET.fromstring(junit([_result()]))
    assert root.find("testsuite").get("failures") == "1"
    assert json.loads(to_json(_result()))["score"] == 4.5


def test_a_submission_that_was_not_graded_fails_in_every_output(tmp_path):
    # a part worth 0 of 0 reads as passed (points >= max_points) in all four outputs, so a not-graded
    # submission must keep what each part is worth
    import io

    from rich.console import Console

    from grading.grade import grade_submission
    from grading.results import not_graded
    from grading.score import Weights
    from presentation.grading import render_submission

    missing = grade_submission(tmp_path / "absent.py", "cs231n")
    killed = not_graded("s.py", "cs231n", "not graded: the grading process was killed twice", Weights())
    for r in (missing, killed):
        d = json.loads(to_json(r))
        assert d["score"] == 0 and d["max_score"] > 0 and d["status"].startswith("not graded")
        tests = gradescope(r)["tests"]
        assert tests and {t["status"] for t in tests} == {"failed"}
        suite = ET.fromstring(junit([r])).find("testsuite")
        assert suite.get("failures") == suite.get("tests") != "0"
        out = io.StringIO()
        render_submission(d, Console(file=out, width=200))
        assert "✗" in out.getvalue() and "✓" not in out.getvalue()


def test_a_failed_part_worth_no_points_is_still_failed():
    # --weights can make a part worth 0: 0 of 0 points must not read as passed
    import io

    from rich.console import Console

    from presentation.grading import render_submission

    r = SubmissionResult("s.py", "cs231n", [FunctionResult("rot180", [PartResult("out", 1, 4, max_points=0)])])
    assert gradescope(r)["tests"][0]["status"] == "failed"
    assert ET.fromstring(junit([r])).find("testsuite").get("failures") == "1"
    out = io.StringIO()
    render_submission(r.to_dict(), Console(file=out, width=200))
    assert "✗" in out.getvalue() and "✓" not in out.getvalue()


# --- every verdict kind through every format ---------------------------------------------------------
# The sandbox is replaced by a fake child that answers each call with a value of a drawn kind, made from
# the right answer (computed here by the reference ops from the call's own arguments). Judging, diagnosis,
# shrinking, scoring and all four formats are the real ones.
import io  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import example, given, settings, strategies as st  # noqa: E402

from checker import ops, pool_ops  # noqa: E402
from grading import runner  # noqa: E402
from grading.grade import GradeSettings, grade_function  # noqa: E402
from grading.interfaces import get_interface  # noqa: E402
from grading.sandbox import ChildRun  # noqa: E402
from grading.submission import Submission  # noqa: E402
from grading.score import Weights, apply  # noqa: E402

KINDS = ["right", "values", "nan", "inf", "none", "int", "str", "structured", "shape", "empty", "huge",
         "scalar", "inplace", "error", "timeout"]
HOSTILE = st.lists(st.sampled_from(list("ab [/]<>&\"'\x00\x07\x08\x0b\x1b\x7f\x9b\r\n\t\u202e\ud800\ufffe")
                                   + ["\x1b[2J", "\x1b]52;c;eA==\x07", "40 / 40"]), max_size=12).map("".join)


def _right(func, args, arrays, i):
    a = lambda it: arrays[f"{i}.{it['a']}"]  # noqa: E731
    if func == "conv_forward_naive":
        p = args[3]["v"]
        return [ops.conv2d_forward(a(args[0]), a(args[1]), a(args[2]), stride=p["stride"], pad=p["pad"])]
    if func == "max_pool_forward_naive":
        p = args[1]["v"]
        return [pool_ops.maxpool_forward(a(args[0]), p["pool_height"], p["pool_width"], stride=p["stride"])]
    return None  # backwards: filled in from the cache arguments by the caller


def _fake_child(plan, text):
    """run_function's stand-in: call k gets kinds plan[k % len(plan)] (one per part)."""
    def run_function(files, module, func, calls, arrays, limits, blocked=None):
        run = ChildRun()
        for i, call in enumerate(calls):
            if func.startswith("conv_backward"):
                x, w, b, p = (arrays[f"{i}.{it['a']}"] if "a" in it else it["v"] for it in call["cache_args"])
                right = list(ops.conv2d_backward(arrays[f"{i}.dout"], x, w, stride=p["stride"], pad=p["pad"]))
            elif func.startswith("max_pool_backward"):
                x, p = (arrays[f"{i}.{it['a']}"] if "a" in it else it["v"] for it in call["cache_args"])
                right = [pool_ops.maxpool_backward(arrays[f"{i}.dout"], x, p["pool_height"], p["pool_width"],
                                                   stride=p["stride"])]
            else:
                right = _right(func, call["args"], arrays, i)
            kinds = plan[i % len(plan)]
            if "timeout" in kinds:   # the child is killed here: this call and every later one have no result
                run.fatal = "timed out after 10 s " + text
                break
            if "error" in kinds:
                run.errors[i] = text
                continue
            res = {f"in.{it['a']}": arrays[f"{i}.{it['a']}"].copy() for it in call["args"] if "a" in it}
            for j, (r, kind) in enumerate(zip(right, kinds)):
                v = {"right": r, "values": r + 1.0, "nan": np.where(r == r.flat[0], np.nan, r),
                     "inf": np.full_like(r, -np.inf), "none": None, "int": r.astype(np.int64),
                     "str": np.full(r.shape, text, dtype="U30"), "structured": np.zeros(r.shape, "f8,i4"),
                     "shape": r[..., :-1], "empty": np.zeros((0,)), "huge": np.full_like(r, 1e308),
                     "scalar": np.float64(3.0), "inplace": r}[kind]
                if kind == "inplace" and res:
                    next(iter(res.values()))[...] += 1.0
                if v is not None:
                    res[f"r{j}"] = np.asarray(v)
            run.results[i] = res
        run.output = text
        return run
    return run_function


def _all_formats(rec):
    from rich.console import Console

    from presentation.grading import render_submission

    json.loads(to_json(rec))
    json.dumps(gradescope(rec), allow_nan=False)
    ET.fromstring(junit([rec]))
    buf = io.StringIO()
    render_submission(rec, Console(file=buf, width=100, color_system=None))
    assert "\x1b" not in buf.getvalue() and "\x07" not in buf.getvalue()
    return buf.getvalue()


# the battery's drawn shapes come from hypothesis too: draw them (cached) before the @given below
_BATTERIES = [f.battery(0) for f in get_interface("cs231n").functions]


@pytest.mark.filterwarnings("error::RuntimeWarning")   # an overflow warning in judging is a grader error too
@settings(max_examples=25)
@given(func=st.sampled_from([f.name for f in get_interface("cs231n").functions]),
       plan=st.lists(st.tuples(*[st.sampled_from(KINDS)] * 3), min_size=1, max_size=4), text=HOSTILE,
       fd=st.booleans())
# only values failures open the finite-difference check: make sure it runs on hostile forwards
@example(func="conv_backward_naive", plan=[("values", "right", "values"), ("values", "nan", "right")], text="",
         fd=True)
@example(func="conv_backward_naive", plan=[("values",) * 3, ("huge",) * 3, ("values",) * 3],
         text="\x1b[2J", fd=True)
def test_every_verdict_kind_flows_through_every_format(func, plan, text, fd):
    from unittest import mock

    iface = get_interface("cs231n")
    spec = iface.function(func)
    n = len(spec.parts)
    plan = [case[:n] for case in plan]
    with mock.patch.object(runner, "run_function", _fake_child(plan, text)):
        # fd: the forward "failed", so the finite-difference check runs on the fake forward's values too
        res = grade_function(spec, iface, Submission("layers.py", "cs231n", {}, "layers"),
                             GradeSettings(seed=0, fd_credit=fd), forward_failed={spec.forward} if fd and spec.forward else set())
    apply(res, Weights())
    assert "grader error" not in (res.error or ""), res.error
    for j, p in enumerate(res.parts):
        # a case fails every part when the call raised or changed its input; no fake answer here is the
        # gradient of the fake forward where it is wrong (r + 1 has the gradient of r), so no credit either
        assert not p.fd_credit
        full = all(case[j] == "right" and not {"error", "inplace", "timeout"} & set(case) for case in plan)
        assert (p.points == p.max_points) == full, (plan, p)
    rec = SubmissionResult("s\x1b[2J.py", "cs231n", [res]).to_dict()
    _all_formats(rec)


# the same in the real sandbox: one submission per kind, every function returns it
ODD = {"nan": "np.full(shape, np.nan)", "inf": "np.full(shape, -np.inf)", "none": "None", "type": "'40 / 40'",
       "shape": "np.zeros(shape[:-1])", "huge": "np.full(shape, 1e308)", "empty": "np.zeros((0,))",
       "list": "[[1.0, 2.0], [3.0]]"}


def _odd_submission(expr):
    return f'''import numpy as np


def _v(shape):
    return {expr}


def conv_forward_naive(x, w, b, conv_param):
    return _v((x.shape[0], w.shape[0], 2, 2)), (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, _ = cache
    return _v(x.shape), _v(w.shape), _v(b.shape)


def max_pool_forward_naive(x, pool_param):
    return _v(x.shape), (x, pool_param)


def max_pool_backward_naive(dout, cache):
    return _v(cache[0].shape)
'''


@pytest.mark.filterwarnings("error::RuntimeWarning")   # an overflow warning in judging is a grader error too
@pytest.mark.parametrize("kind", sorted(ODD))
def test_no_returned_value_crashes_any_format(tmp_path, kind):
    from grading.grade import grade_submission
    from grading.sandbox import Limits

    (tmp_path / "layers.py").write_text(_odd_submission(ODD[kind]))
    r = grade_submission(tmp_path / "layers.py", "cs231n", limits=Limits(timeout_s=20.0, memory_mb=1024))
    assert r.status == "graded" and r.score == 0 and r.max_score == 40
    assert not any("grader error" in (f.error or "") for f in r.functions)
    assert f"seed {r.seed}" in gradescope(r)["output"]
    if kind not in ("none", "list", "type"):   # an array came back: each function shows it on a small case
        assert all(f.repro is not None for f in r.functions)
    _all_formats(r.to_dict())


def test_escapes_controls_and_floods_from_a_submission_reach_no_report(tmp_path):
    from grading.grade import grade_submission
    from grading.results import MAX_CHARS
    from grading.sandbox import Limits

    evil = r'"\x1b[2J\x1b[H\x1b]52;c;cHduZWQ=\x07\x1b[32m 40 / 40 \r\x00\x0b\x1b[0m\u202e" + "A" * 3_000_000'
    (tmp_path / "layers.py").write_text(
        f"def conv_forward_naive(x, w, b, p):\n    print({evil})\n    raise ValueError({evil})\n")
    r = grade_submission(tmp_path / "layers.py", "cs231n", limits=Limits(timeout_s=20.0, memory_mb=1024))
    rec = r.to_dict()
    shown = _all_formats(rec)
    for body in (to_json(rec), json.dumps(gradescope(rec)), junit([rec]), shown):
        assert not any(c in body for c in "\x1b\x07\x00\x0b\r\u202e"), body[:200]
    texts = [m for f in rec["functions"] for p in f["parts"] for m in p["messages"]] + \
        [f["output"] for f in rec["functions"]] + [f["error"] or "" for f in rec["functions"]]
    assert any("40 / 40" in t for t in texts)   # the text arrives, without what surrounded it
    assert max(map(len, texts)) <= MAX_CHARS + 40
    assert len(to_json(rec)) < 40 * MAX_CHARS
