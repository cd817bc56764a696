"""Attack class: hostile data on the result channel. The grader reads only the arrays each call may
return, plain numeric ones of bounded rank, one frame per call; anything else ends the parse and
costs only the child that sent it (and no grader CPU or memory beyond the capped stream)."""
import io
import json
import time

import numpy as np
import pytest

from attack_kit import assert_contained, attack, example
from grading.frames import ChildRun, _parse, expected_names

CALLS = [{"args": [{"a": "x"}], "nout": 1}, {"args": [{"a": "x"}], "nout": 1}]


def _frame(index, arrays, error=None):
    blobs = []
    for name, a in arrays:
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        blobs.append((name, buf.getvalue()))
    head = json.dumps({"i": index, "arrays": [[n, len(b)] for n, b in blobs], "error": error}).encode()
    return b"GPF1 " + head + b"\n" + b"".join(b for _, b in blobs)


def parse(stream):
    run = ChildRun()
    _parse(stream, run, expected_names(CALLS))
    return run


def test_an_honest_stream_is_read():
    run = parse(_frame(0, [("r0", np.ones(2)), ("in.x", np.zeros(2))]) + _frame(1, [], "ValueError: no"))
    assert list(run.results) == [0] and run.errors == {1: "ValueError: no"}


@pytest.mark.parametrize("frame, words", [
    (_frame(0, [("r0", np.zeros(3, dtype=[("a", "f8")]))]), "not a plain numeric array"),
    (_frame(0, [("r0", np.array(["text"]))]), "not a plain numeric array"),
    (_frame(0, [("r0", np.zeros((1,) * 12))]), "12 dimensions"),
    (_frame(0, [("secret", np.zeros(2))]), "does not return"),
    (_frame(0, [("r0", np.zeros(1)), ("r0", np.zeros(1))]), "sent twice"),
    (_frame(7, [("r0", np.zeros(2))]), "not asked for"),
])
def test_a_hostile_frame_is_refused_and_costs_only_its_call(frame, words):
    run = parse(frame + _frame(1, [("r0", np.ones(1))]))
    assert 0 not in run.results and words in str(run.errors), run.errors
    assert 1 not in run.results  # the parse stops at the first hostile frame: nothing after it is trusted


def test_a_frame_naming_400k_arrays_is_refused_at_once():
    tiny = _frame(0, [("r0", np.zeros(1))]).split(b"\n", 1)[1]
    head = json.dumps({"i": 0, "arrays": [[f"x{k}", len(tiny)] for k in range(400_000)], "error": None}).encode()
    start = time.process_time()
    run = parse(b"GPF1 " + head + b"\n" + tiny * 400_000)
    assert not run.results and time.process_time() - start < 5  # was ~54 s of grader CPU; now a refused header


def test_a_second_answer_for_one_call_is_refused():
    run = parse(_frame(0, [("r0", np.ones(1))]) + _frame(0, [("r0", np.zeros(1))]))
    assert run.results[0]["r0"].tolist() == [1.0] and "already answered" in run.errors[0]


def test_forged_frames_in_a_batch_score_zero(tmp_path):
    by = attack(tmp_path, {"forged_frames.py": example("forged_frames.py")})
    assert_contained(by, ["forged_frames.py"])
