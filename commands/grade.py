"""``gradproof homework`` and ``gradproof grade``: the files an instructor hands out, and grading in a sandbox."""
from __future__ import annotations

import argparse
import sys

from ._args import UserError, add_display, memory_mb, seconds

def add_homework(sub):
    p = sub.add_parser("homework", help="write a student template or a Gradescope autograder",
                       description="Write the files an instructor hands out: a student template or Gradescope files.",
                       epilog="examples:\n  python cli.py homework init hw3 --interface cs231n\n"
                              "  python cli.py homework gradescope autograder --interface cs231n --weights w.json "
                              "--visibility after_due_date",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["init", "gradescope"],
                   help="init: student template and selfcheck.py; gradescope: autograder files and autograder.zip")
    p.add_argument("dir", help="the folder to write into (created if missing)")
    p.add_argument("--interface", choices=["cs231n", "native", "notes-cnn"], default="cs231n", help="(default cs231n)")
    g = p.add_argument_group("gradescope only: carried into run_autograder")
    _add_grading_options(g, defaults=False)
    g.add_argument("--autograder-root", default="/autograder",
                   help="Gradescope's folder (default /autograder; GRADPROOF_AUTOGRADER_ROOT overrides it at run time)")
    g.add_argument("--force", action="store_true", help="overwrite the files a previous run wrote (hand edits are lost)")
    add_display(p)
    p.set_defaults(func=run_homework)


def _add_grading_options(p, defaults: bool = True):
    """The options that decide a grade, shared by ``grade`` and ``homework gradescope`` (which passes on
    only those given: defaults=False leaves them None)."""
    from grading.options import FRAMEWORKS, VISIBILITIES  # plain tables, no numpy: --help stays fast

    d = (lambda v: v) if defaults else (lambda v: None)
    p.add_argument("--timeout", type=seconds, default=d(10.0), help="CPU seconds per student function on its whole battery; one that only waits is stopped at 3x "
                        "that in wall-clock time (default 10)")
    p.add_argument("--memory-mb", type=memory_mb, default=d(2048), help="address-space limit per child (default 2048)")
    p.add_argument("--allow", action="append", choices=list(FRAMEWORKS),
                   help="let submissions import this framework (repeatable; the grader's packages stay blocked)")
    p.add_argument("--stub", action="append", metavar="NAME", default=[] if defaults else None,
                   help="replace package NAME, absent here and not needed by the graded functions (e.g. "
                        "matplotlib), with an empty module (repeatable)")
    p.add_argument("--fd-credit", action="store_true",
                   help="a backward keeps its credit on every case where it fails only because the forward is "
                        "wrong (it equals the finite-difference gradient of the student's own forward there)")
    p.add_argument("--no-fd-credit", action="store_true", help=argparse.SUPPRESS)  # the old default's switch
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the input values (default: a fresh secret one per run; the shapes never change)")
    p.add_argument("--strict", action="store_true",
                   help="cs231n: also grade each function where output sizes do not divide evenly (the assignment "
                        "lets students assume they do), as an extra check weighted on its own (\"strict\" in --weights)")
    p.add_argument("--weights", metavar="FILE", help='JSON points, e.g. {"per_function": 10, "parts": '
                                                      '{"conv_backward_naive": {"dx": 6, "dw": 3, "db": 1}}}')
    p.add_argument("--visibility", choices=VISIBILITIES, default=d("visible"),
                   help="Gradescope: when students see the results (default visible)")
    p.add_argument("--test-visibility", choices=VISIBILITIES, default=None,
                   help="Gradescope: when students see each test (default: as --visibility)")


def _grading_flags(args):
    """``_add_grading_options``'s values as the record the library reads."""
    from grading.options import GradingFlags

    return GradingFlags(timeout_s=args.timeout, memory_mb=args.memory_mb, allow=tuple(args.allow or ()),
                        stubs=tuple(args.stub or ()), fd_credit=args.fd_credit, seed=args.seed, strict=args.strict,
                        weights_file=args.weights, visibility=args.visibility, test_visibility=args.test_visibility)


def run_homework(args) -> int:
    from grading.command import HomeworkOptions, homework
    from presentation.grading import homework_message
    from presentation.i18n import resolve_lang

    options = HomeworkOptions(args.action, args.dir, args.interface, _grading_flags(args), args.autograder_root,
                              args.force)
    print(homework_message(options, homework(options), resolve_lang(args.lang)))
    return 0


def add_grade(sub):
    p = sub.add_parser("grade", help="grade homework submissions in a sandbox",
                       description="Grade submissions (each .py file, or each subfolder of a folder) against the "
                                   "proven rules, each student function in its own limited child process.",
                       epilog="examples:\n  python cli.py grade layers.py\n"
                              "  python cli.py grade submissions/ --jobs 2 --format json -o grades.json --resume\n"
                              "  python cli.py grade export/ --format csv -o gradebook.csv --resume",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help=".py files or folders of submissions")
    p.add_argument("--interface", choices=["cs231n", "native", "notes-cnn"], default="cs231n", help="(default cs231n)")
    p.add_argument("-o", "--output", help="write the report here instead of stdout")
    p.add_argument("--format", choices=["text", "json", "gradescope", "junit", "csv", "summary"], default="text",
                   help="text: a report per student; json: always a list of records; csv: a gradebook row per "
                        "student, a column per part; summary: one line per student (default text)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--resume", action="store_true",
                   help="reuse grades in the JSON-lines log whose submission, interface, weights, grader and "
                        "options are unchanged; grade the rest")
    p.add_argument("--regrade", nargs="+", metavar="PATH",
                   help="grade these submissions again whatever the log says (implies --resume for the others)")
    p.add_argument("--log", help="JSON-lines log, one line per finished submission (default OUTPUT.jsonl)")
    p.add_argument("--single", action="store_true", help="PATH is one submission (a file or a folder)")
    _add_grading_options(p)
    add_display(p)
    p.set_defaults(func=run_grade)


def run_grade(args) -> int:
    from grading import command
    from presentation.grading import grade_progress, render_reports, text_report
    from presentation.i18n import resolve_lang
    from presentation.matrices import make_console

    if args.fd_credit and args.no_fd_credit:
        raise UserError("--fd-credit and --no-fd-credit contradict each other (no credit is the default now)")
    lang = resolve_lang(args.lang)
    plan = command.plan_grade(command.GradeOptions(
        tuple(args.paths), args.interface, _grading_flags(args), output=args.output, format=args.format,
        jobs=args.jobs, resume=args.resume, regrade=tuple(args.regrade or ()), log=args.log, single=args.single))
    for note in plan.notes:
        print(f"gradproof: {note}", file=sys.stderr)
    with grade_progress(None if plan.single else len(plan.submissions), lang) as advance:
        records = command.run_grade(plan, on_result=advance)
    body = command.report_body(plan, records)
    if body is None and args.output is None:  # text on the terminal: rendered there, in colour
        render_reports(records, make_console(no_color=args.no_color), lang)
        return 0
    shown = command.deliver(plan, text_report(records, lang) if body is None else body)
    if shown is not None:
        print(shown)
    return 0
