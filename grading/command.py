"""The ``grade`` and ``homework`` commands as library calls: typed options in, plain data out.

``cli.py`` parses the command line into ``GradeOptions`` or ``HomeworkOptions`` (``options.py``); the
functions here check them (a mistake is a GradproofError naming the option and its value), run the
sandbox's self-test, grade, and return records and report bodies, which ``presentation/grading.py``
renders. Nothing here prints: what the command says on stderr comes back as ``GradePlan.notes``.

>>> plan = plan_grade(GradeOptions((__file__,), format="json"), self_test=None)
>>> plan.single, plan.log, plan.settings.interface
(True, None, 'cs231n')
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from derivations._validate import GradproofError
from . import gradebook, gradescope, report, templates
from .batch import find_submissions, grade_class
from .grade import GradeSettings, grade
from .gradelog import write_output
from .interfaces import get_interface
from .options import GradeOptions, GradingFlags, HomeworkOptions
from .resume import resolved
from .sandbox import Limits, Sandbox
from .score import Weights
from .selftest import self_test as _sandbox_self_test

__all__ = ["GradeOptions", "GradePlan", "GradingFlags", "HomeworkOptions", "deliver", "homework", "plan_grade",
           "read_weights", "report_body", "run_grade"]


@dataclass(frozen=True)
class GradePlan:
    """A checked ``grade`` command, ready to run: what decides the grades, what is graded, where it is logged."""

    options: GradeOptions
    settings: GradeSettings
    submissions: tuple[Path, ...]   # what a batch grades (empty for one submission graded alone)
    single: bool                    # one submission, no log, no progress bar (a student checking their work)
    log: Path | None
    notes: tuple[str, ...]          # for stderr, before grading: the sandbox's mode, folders passed over


def read_weights(path, interface: str) -> Weights:
    """--weights FILE as Weights checked against the interface; GradproofError naming the file otherwise."""
    try:
        return Weights.from_json(Path(path).read_text()).check(get_interface(interface))
    except (OSError, TypeError, AttributeError) as exc:
        raise GradproofError(f"--weights could not be read from {str(path)!r}: {exc}") from None
    except ValueError as exc:   # a key, a value or a part that Weights refuses
        raise GradproofError(f"--weights {path}: {exc}") from None


def sandbox(flags: GradingFlags) -> Sandbox:
    """The sandbox the flags ask for (limits not given at their defaults)."""
    given = {"timeout_s": flags.timeout_s, "memory_mb": flags.memory_mb}
    return Sandbox.allowing(flags.allow, Limits(**{k: v for k, v in given.items() if v is not None}, stubs=flags.stubs))


def plan_grade(options: GradeOptions, self_test=_sandbox_self_test) -> GradePlan:
    """Check a ``grade`` command before anything is graded; ``self_test`` (None: skipped) must pass first,
    since nothing is graded in a sandbox that does not hold on this host."""
    # the drawn cases come from hypothesis, whose cache would otherwise land in the student's folder
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "gradproof-hypothesis"))
    flags = options.flags
    box = sandbox(flags)
    weights = read_weights(flags.weights_file, options.interface) if flags.weights_file else Weights()
    for p in options.paths:
        if not Path(p).exists():  # checked first: a .py path goes straight to grading, which would say less
            raise GradproofError(f"PATH {p} does not exist")
    subs, skipped, notes = [], [], []
    if not options.single:
        subs = find_submissions(options.paths, skipped)
        if skipped:
            # once, not once per folder: a class folder may hold many folders that are not submissions
            where = sorted({str(s.parent) for s in skipped})
            notes.append(f"{len(skipped)} subfolder{'s' * (len(skipped) != 1)} of {', '.join(where)} hold no .py "
                         f"file (listed as not graded)")
    if options.format == "gradescope" and not options.single and len(subs) != 1:
        raise GradproofError("--format gradescope writes one submission's results.json: add --single, or give one "
                             "submission (Gradescope runs one container per submission)")
    # one .py file and no log asked for: a student checking their work; no log file, no progress bar
    single = options.single or (len(options.paths) == 1 and options.paths[0].endswith(".py")
                                and not (options.log or options.resume or options.regrade))
    if single and len(options.paths) != 1:
        raise GradproofError(f"--single takes exactly one PATH, got {len(options.paths)}")
    known = {resolved(s) for s in subs}
    for p in () if single else options.regrade:
        if resolved(p) not in known:
            raise GradproofError(f"--regrade {p}: not one of the {len(subs)} submissions under "
                                 f"{' '.join(map(str, {s.parent for s in subs}))}")
    if self_test is not None:
        notes.append(self_test(box))   # the mode it runs in: an instructor always knows what protects the grader
    settings = GradeSettings(options.interface, box, weights, flags.seed, flags.fd_credit, flags.strict)
    log = None if single else Path(options.log or ((options.output or "gradproof-grades") + ".jsonl"))
    return GradePlan(options, settings, () if single else tuple(subs), single, log, tuple(notes))


def run_grade(plan: GradePlan, on_result=None) -> list[dict]:
    """Grade what the plan names; records as plain data (``SubmissionResult.to_dict``), in path order.
    ``on_result(record)`` is called as each submission of a batch finishes."""
    opts = plan.options
    if plan.single:
        return [grade(opts.paths[0], plan.settings).to_dict()]
    return grade_class(opts.paths, plan.settings, log=plan.log, jobs=opts.jobs,
                       resume=opts.resume or bool(opts.regrade), regrade=opts.regrade, on_result=on_result)


def report_body(plan: GradePlan, records: list[dict]) -> str | None:
    """The report in the chosen format, or None for ``text`` (rendered by presentation)."""
    opts = plan.options
    if opts.format == "gradescope":
        flags = opts.flags
        return json.dumps(report.gradescope(records[0], flags.visibility, flags.test_visibility or flags.visibility),
                          indent=2, allow_nan=False)
    if opts.format == "json":
        return report.to_json(records)   # always a list, one record per submission: one shape to parse
    if opts.format in ("csv", "summary"):
        names = gradebook.students(records, opts.paths)
        return (gradebook.to_csv if opts.format == "csv" else gradebook.summary_lines)(records, names).rstrip("\n")
    if opts.format == "junit":
        return report.junit(records)
    return None


def deliver(plan: GradePlan, body: str) -> str | None:
    """Write the report to ``--output`` (whole, at once, never through a link) and return None; without
    ``--output``, return it for stdout."""
    if plan.options.output is None:
        return body
    write_output(plan.options.output, body if body.endswith("\n") else body + "\n")
    return None


def homework(options: HomeworkOptions) -> list[Path]:
    """``homework init`` (the student template and selfcheck.py) or ``homework gradescope`` (the autograder
    files and autograder.zip); returns the paths written. Every mistake is refused here, before anything is
    written, not on Gradescope in front of a student."""
    flags = options.flags
    if options.action == "init":
        given = [o for o in flags.arguments() if o.startswith("--")]
        given += ["--weights"] * bool(flags.weights_file) + ["--force"] * options.force
        given += ["--autograder-root"] * (options.autograder_root != "/autograder")
        if given:
            raise GradproofError(f"{', '.join(dict.fromkeys(given))}: for homework gradescope only, not homework init")
        return templates.write_template(options.dir, options.interface)
    if flags.weights_file:
        read_weights(flags.weights_file, options.interface)
    if not options.autograder_root.startswith("/"):
        raise GradproofError(f"--autograder-root must be an absolute path, got {options.autograder_root!r}")
    return gradescope.write_package(options.dir, options.interface, options=flags.arguments(),
                                    weights_file=flags.weights_file, root=options.autograder_root,
                                    force=options.force)
