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
