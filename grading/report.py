"""Machine-readable reports of a SubmissionResult: JSON, Gradescope results.json, JUnit XML.

Gradescope's format: top level ``score``, ``execution_time``, ``output``, ``visibility`` and ``tests``,
each test with ``name``, ``score``, ``max_score``, ``status`` (passed/failed), ``output`` and
``visibility``. One test per part of each student function; every test name begins with the
function's name.

>>> from .results import FunctionResult, PartResult, SubmissionResult
>>> part = PartResult("out", 1, 1, points=2, max_points=2)
>>> r = SubmissionResult("a.py", "cs231n", [FunctionResult("rot180", [part])])
>>> gradescope(r)["tests"][0]["name"], gradescope(r)["tests"][0]["status"]
('rot180: out', 'passed')
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from derivations._validate import one_of
from .results import clean
from .score import POINT_DECIMALS

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def as_dict(result) -> dict:
    """Reports read the JSON form, so a result graded now and one read back from a batch log look alike;
    a record read back is cleaned again (a log written by an older grader may hold raw child text)."""
    return clean(result) if isinstance(result, dict) else result.to_dict()


def to_json(results) -> str:
    """One result, or a list of them, as JSON (diagnoses and reproductions included)."""
    data = [as_dict(r) for r in results] if isinstance(results, list) else as_dict(results)
    return json.dumps(data, indent=2, allow_nan=False)


def part_passed(part: dict) -> bool:
    """Every case passed, or finite differences vouched for it; not 'points >= max_points', which a
    failed part worth 0 points (``--weights``) would satisfy."""
    return part["passed"] == part["total"] or part["fd_credit"]


def part_text(func: dict, part: dict) -> str:
    """What a student reads under one test: failures, the credit note, diagnoses, the smallest case."""
    lines = [f"{part['passed']}/{part['total']} cases passed"] + part["messages"]
    if part["note"]:
        lines.append(part["note"])
    for d in func["diagnoses"]:
        lines.append(f"Likely mistake: {d['words']}. See the right rule: {d['command']}")
    rep = func["repro"]
    if rep and rep["part"] == part["part"] and part["passed"] < part["total"] and not part["fd_credit"]:
        lines += [f"Smallest failing case: {rep['config']}", rep["message"], "Reproduce it:", rep["code"]]
    if func["error"]:
        lines.append(func["error"])
    return "\n".join(lines)


def gradescope(result, visibility: str = "visible", test_visibility: str = "visible") -> dict:
    """A results.json dict that Gradescope accepts unchanged."""
    one_of("visibility", visibility, VISIBILITIES)
    one_of("test_visibility", test_visibility, VISIBILITIES)
    r, tests = as_dict(result), []
    for f in r["functions"]:
        for p in f["parts"]:
            tests.append({"name": f"{f['name']}: {p['part']}", "score": round(p["points"], POINT_DECIMALS),
                          "max_score": round(p["max_points"], POINT_DECIMALS),
                          "status": "passed" if part_passed(p) else "failed",
                          "output": part_text(f, p), "visibility": test_visibility})
    output = f"{r['interface']} interface: {r['score']:g} / {r['max_score']:g} points."
    if r["status"] != "graded":
        output += f" {r['status']}"
    if r.get("seed") is not None:
        output += f" Input values of this run: seed {r['seed']}."
    return {"score": r["score"], "execution_time": round(r["seconds"], 3), "output": output,
            "visibility": visibility, "tests": tests}


def junit(results) -> str:
    """JUnit XML: one testsuite per submission, one testcase per function part."""
    root = ET.Element("testsuites")
    for r in map(as_dict, results):
        cases = [(f, p) for f in r["functions"] for p in f["parts"]]
        suite = ET.SubElement(root, "testsuite", name=r["submission"], tests=str(len(cases)),
                              failures=str(sum(not part_passed(p) for _, p in cases)),
                              time=f"{r['seconds']:.3f}")
        for f, p in cases:
            case = ET.SubElement(suite, "testcase", classname=f["name"], name=f"{f['name']}: {p['part']}",
                                 time=f"{f['seconds']:.3f}")
            if not part_passed(p):
                fail = ET.SubElement(case, "failure", message=f"{p['points']:g}/{p['max_points']:g} points")
                fail.text = part_text(f, p)
    return ET.tostring(root, encoding="unicode")
