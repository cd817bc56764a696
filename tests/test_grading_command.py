"""The grade and homework commands as library calls: typed options in, plain data out, mistakes named."""
import json
from pathlib import Path

import pytest

import cli
from commands import grade as grade_commands
from derivations._validate import GradproofError
from grading.command import deliver, homework, plan_grade, read_weights, report_body, run_grade
from grading.grade import GradeSettings
from grading.options import GradeOptions, GradingFlags, HomeworkOptions
from grading.sandbox import Sandbox

EX = Path(__file__).resolve().parent.parent / "examples" / "cs231n"


@pytest.mark.parametrize("flags", [
    GradingFlags(),
    GradingFlags(timeout_s=2.5, memory_mb=512, allow=("torch", "jax"), stubs=("matplotlib",), fd_credit=True,
                 seed=7, strict=True, visibility="hidden", test_visibility="after_due_date"),
])
def test_the_flags_carried_into_run_autograder_read_back_as_the_same_flags(flags):
    args = cli.build_parser().parse_args(["grade", "layers.py", *flags.arguments()])
    assert grade_commands._grading_flags(args) == flags


@pytest.mark.parametrize("make, words", [
    (lambda: GradeOptions(("a.py",), jobs=0), "--jobs must be >= 1, got 0"),
    (lambda: GradeOptions(("a.py",), format="pdf"), "--format must be one of"),
    (lambda: GradingFlags(seed=-1), "--seed must be >= 0, got -1"),
    (lambda: GradingFlags(stubs=("torch",)), "--stub takes the name of a package that is not blocked, got 'torch'"),
    (lambda: GradingFlags(allow=("checker",)), "--allow must be one of"),
    (lambda: HomeworkOptions("publish", "hw"), "action must be one of 'init', 'gradescope', got 'publish'"),
    (lambda: Sandbox(blocked=("torch",)), "blocked must hold the grader's packages"),
    (lambda: Sandbox.allowing(["grading"]), "allow must be one of"),
    (lambda: GradeSettings(seed=-3), "seed must be a whole number >= 0, got -3"),
])
def test_a_mistake_in_the_options_is_a_gradproof_error_naming_option_and_value(make, words):
    with pytest.raises(GradproofError, match="^" + words.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_the_plan_names_a_missing_path_and_a_regrade_outside_the_class(tmp_path):
    with pytest.raises(GradproofError, match=f"PATH {tmp_path / 'nope.py'} does not exist"):
        plan_grade(GradeOptions((str(tmp_path / "nope.py"),)), self_test=None)
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(GradproofError, match="--regrade .*elsewhere.py: not one of the 1 submissions"):
        plan_grade(GradeOptions((str(tmp_path),), regrade=(str(tmp_path / "elsewhere.py"),)), self_test=None)
    with pytest.raises(GradproofError, match="--single takes exactly one PATH, got 2"):
        plan_grade(GradeOptions((str(tmp_path), str(tmp_path / "a.py")), single=True), self_test=None)


def test_the_plan_runs_the_self_test_first_and_reports_its_words_as_a_note(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "notes").mkdir()
    seen = []
    plan = plan_grade(GradeOptions((str(tmp_path),), log=str(tmp_path / "l.jsonl")),
                      self_test=lambda box: seen.append(box) or "some mode")
    assert seen == [plan.settings.sandbox] and plan.notes[-1] == "some mode"
    assert "1 subfolder of" in plan.notes[0] and not plan.single and plan.log == tmp_path / "l.jsonl"
    assert [p.name for p in plan.submissions] == ["a.py", "notes"]


def test_weights_that_cannot_be_read_or_do_not_fit_name_the_file(tmp_path):
    w = tmp_path / "w.json"
    w.write_text("{not json")
    with pytest.raises(GradproofError, match="--weights .*w.json: weights must be JSON"):
        read_weights(w, "cs231n")
    with pytest.raises(GradproofError, match="--weights could not be read from '.*missing.json'"):
        read_weights(tmp_path / "missing.json", "cs231n")
    w.write_text('{"per_function": 5, "bonus": 1}')
    with pytest.raises(GradproofError, match=r"--weights .*w.json: weights keys must be"):
        read_weights(w, "cs231n")
    w.write_text('{"functions": {"conv_forward_naive": 4}}')
    assert read_weights(w, "cs231n").functions == {"conv_forward_naive": 4}


def test_homework_init_refuses_the_gradescope_options_before_writing_anything(tmp_path):
    flags = GradingFlags(timeout_s=5.0, memory_mb=None, visibility=None, fd_credit=True)
    with pytest.raises(GradproofError, match="^--timeout, --fd-credit: for homework gradescope only"):
        homework(HomeworkOptions("init", str(tmp_path / "hw"), flags=flags))
    assert not (tmp_path / "hw").exists()
    written = homework(HomeworkOptions("init", str(tmp_path / "hw")))
    assert [p.name for p in written] == ["layers.py", "selfcheck.py"]


def test_one_file_is_graded_alone_and_its_report_delivered_as_asked(tmp_path):
    opts = GradeOptions((str(EX / "mistake_no_bias.py"),), format="json", flags=GradingFlags(seed=5))
    plan = plan_grade(opts, self_test=None)
    assert plan.single and plan.log is None and plan.submissions == ()
    [rec] = json.loads(report_body(plan, run_grade(plan)))
    assert rec["score"] == 30.0 and rec["seed"] == 5
    assert deliver(plan, "body") == "body"   # no --output: for stdout
    to_file = plan_grade(GradeOptions(opts.paths, output=str(tmp_path / "r.json")), self_test=None)
    assert report_body(to_file, [rec]) is None   # text: rendered by presentation
    assert deliver(to_file, "body") is None and (tmp_path / "r.json").read_text() == "body\n"
