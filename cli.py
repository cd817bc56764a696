"""gradproof command line: parse, call the library, render. Nothing else lives here.

Exit codes: 0 done; 1 ``check`` found a mismatch; 2 a user's mistake (a :class:`GradproofError`
from the library or a bad option: one line on stderr, never a traceback); 70 a bug in gradproof (any other
exception: its traceback and a request to report it; 70 is sysexits' EX_SOFTWARE, apart from the 1 of a
failed check); 130 Ctrl-C; 141 the reader of the output left (a closed pipe). SymPy and numpy are imported
inside the command functions so that ``--help`` starts fast.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import traceback

from derivations._validate import GradproofError  # plain Python: costs nothing at start-up
from presentation import derive_request  # no SymPy, numpy or rich behind it: --help stays fast
from presentation.derive_request import DERIVE_OPS, DeriveRequest

#: exit code of an exception that is not a user's mistake (sysexits.h EX_SOFTWARE: internal software error)
EXIT_BUG = 70


class UserError(GradproofError):
    """A mistake in the command line: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (not the whole usage block), exit code 2, and reads no
    abbreviation (``--strid 2`` is a typo to refuse, not ``--stride 2``); subcommands inherit both."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


# --- argument types: argparse reports their ArgumentTypeError in one line, exit 2 ----------------------
def _shape(text: str) -> tuple[int, ...]:
    """'5x5' -> (5, 5); '2x3x8x8' -> (2, 3, 8, 8)."""
    if text.startswith("-"):  # argparse reads "-5x5" as an option unless the value is attached with "="
        raise argparse.ArgumentTypeError(f"every size must be a whole number >= 1, got {text!r}")
    try:
        dims = tuple(int(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape such as 5x5 or 2x3x8x8, got {text!r}") from None
    if not dims or any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f"every size must be a whole number >= 1, got {text!r}")
    return dims


def _numbers(text: str) -> list[str]:
    """'1,0,4.5' -> ['1', '0', '4.5'] (kept as text so the derivation reads them exactly)."""
    parts = [t.strip() for t in text.split(",")]
    try:
        [float(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 1,0,4, got {text!r}") from None
    return parts


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


# --- tour -------------------------------------------------------------------------------------------
def _add_display(p):
    """--lang and --no-color, shared by every command that prints for people."""
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the text (default: $GRADPROOF_LANG, else en)")
    p.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR=1 does the same)")


def _add_tour(sub):
    p = sub.add_parser("tour", help="the default walkthrough (also what `python cli.py` runs)",
                       description="Walk through convolution and pooling backward passes on small tensors: "
                                   "Enter for the next screen, b to go back, q to quit.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py\n  python cli.py tour --no-pause --lang zh | less")
    p.add_argument("--no-pause", action="store_true", help="print every screen without waiting for Enter")
    _add_display(p)
    p.set_defaults(func=_cmd_tour)


def _cmd_tour(args) -> int:
    from presentation.tour import run_tour

    return run_tour(lang=args.lang, no_color=args.no_color, no_pause=args.no_pause)


# --- derive -----------------------------------------------------------------------------------------
def _add_derive(sub):
    p = sub.add_parser("derive", help="derive and prove the gradients of one operation",
                       description="Derive forward and backward formulas exactly (SymPy) and prove the closed-form "
                                   "rules. Operations: " + "; ".join(f"{k}: {v}" for k, v in DERIVE_OPS.items()),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py derive conv --input 5x5 --kernel 3x3\n"
                              "  python cli.py derive conv --input 5x5 --kernel 3x3 --stride 2 --pad 1\n"
                              "  python cli.py derive full-conv --input 3x3 --kernel 3x3 --format markdown > h.md\n"
                              "  python cli.py derive conv --format latex --lang zh > handout.tex\n"
                              "  python cli.py derive mean-pool --input 7x7 --window 3 --stride 2\n"
                              "  python cli.py derive max-pool --input 2x2 --window 2 --values 1,3,3,2\n"
                              "  python cli.py derive relu --input 2x3 --values -1,0,2,3,0,-4\n"
                              "  python cli.py derive deltas --input 6x6 --kernel 3x3 --window 2")
    p.add_argument("op", choices=list(DERIVE_OPS), help="the operation")
    # Defaults are None so that an option an op does not read can be told apart from one left out.
    p.add_argument("--input", type=_shape, default=None,
                   help="HxW or NxCxHxW (default 5x5); pooling: HxW or CxHxW (channels)")
    p.add_argument("--kernel", type=_shape, default=None, help="conv: HHxWW or FxCxHHxWW (default 3x3)")
    p.add_argument("--stride", type=int, default=None, help="conv, pooling: stride (default 1; pooling: the window)")
    p.add_argument("--pad", type=int, default=None, help="conv, pooling: zero padding on each side (default 0)")
    p.add_argument("--dilation", type=int, default=None, help="conv: kernel dilation (default 1)")
    p.add_argument("--no-bias", action="store_true", default=None, help="conv, full-conv: leave out the bias term")
    p.add_argument("--window", type=_shape, default=None, help="pooling: window k or KHxKW (default 2); deltas: the scale")
    p.add_argument("--filters", type=_positive, default=None, help="deltas: number of filters (default 2)")
    p.add_argument("--values", type=_numbers, default=None,
                   help="pooling: the input's H*W numbers, row-major, comma-separated; negative numbers too "
                        "(--values -1,2 or --values=-1,2); max-pool needs them")
    p.add_argument("--format", choices=["text", "markdown", "latex", "json"], default="text",
                   help="text for the terminal; markdown/latex: a complete handout; json: the data (default text)")
    p.add_argument("--all", action="store_true",
                   help="every entry and every term: the text view shows the first 12, a large markdown/latex "
                        "handout its first 12 per array and a shape table")
    _add_display(p)
    p.set_defaults(func=_cmd_derive)


def _cmd_derive(args) -> int:
    options = DeriveRequest._fields[1:]  # every field but the op is an option of the same name
    r = derive_request.request(args.op, {name: getattr(args, name) for name in options})
    derive_request.refuse_costly(r, args.format)  # before the imports below: SymPy and rich take a second or two

    from presentation.derive import FIRST_ENTRIES, derive_progress, render_derivation
    from presentation.i18n import resolve_lang
    from presentation.matrices import make_console

    lang = resolve_lang(args.lang)
    console = make_console(no_color=args.no_color)
    with derive_progress(args.op, no_color=args.no_color, lang=lang):
        d = derive_request.derive(r)
    render_derivation(d, fmt=args.format, console=console, lang=lang, limit=None if args.all else FIRST_ENTRIES)
    return 0


# --- check ------------------------------------------------------------------------------------------
def _add_check(sub):
    p = sub.add_parser("check", help="check our gradient rules against finite differences",
                       description="Draw random cases with hypothesis and compare our numpy backward rules with "
                                   "finite differences, element by element, each with its own derived tolerance.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py check all\n  python cli.py check max-pool --examples 200 --seed 3")
    p.add_argument("op", choices=["conv", "mean-pool", "max-pool", "all"], help="the operation, or all of them")
    p.add_argument("--examples", type=_positive, default=20, help="hypothesis cases per operation (default 20)")
    p.add_argument("--seed", type=int, default=0, help="hypothesis seed, for reproducible cases (default 0)")
    p.add_argument("--formulas", type=int, default=3,
                   help="cases per operation whose derived SymPy formula is checked too (default 3; slow)")
    _add_display(p)
    p.set_defaults(func=_cmd_check)


def _cmd_check(args) -> int:
    from checker.selfcheck import OPS, selfcheck
    from presentation.check import render_selfcheck, selfcheck_progress
    from presentation.matrices import make_console

    ops = OPS if args.op == "all" else (args.op,)
    with selfcheck_progress(ops, no_color=args.no_color, lang=args.lang) as progress:
        report = selfcheck(ops, examples=args.examples, seed=args.seed, formulas=args.formulas, progress=progress)
    render_selfcheck(report, console=make_console(no_color=args.no_color), lang=args.lang)
    return 0 if report.ok else 1


# --- homework / grade -------------------------------------------------------------------------------
def _add_homework(sub):
    p = sub.add_parser("homework", help="write a student template or a Gradescope autograder",
                       description="Write the files an instructor hands out: a student template or Gradescope files.",
                       epilog="examples:\n  python cli.py homework init hw3 --interface cs231n\n"
                              "  python cli.py homework gradescope autograder --interface cs231n --weights w.json "
                              "--visibility after_due_date",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["init", "gradescope"],
                   help="init: student template and selfcheck.py; gradescope: autograder files and autograder.zip")
    p.add_argument("dir", help="the folder to write into (created if missing)")
    p.add_argument("--interface", choices=["cs231n", "native"], default="cs231n", help="(default cs231n)")
    g = p.add_argument_group("gradescope only: carried into run_autograder")
    _add_grading_options(g, defaults=False)
    g.add_argument("--autograder-root", default="/autograder",
                   help="Gradescope's folder (default /autograder; GRADPROOF_AUTOGRADER_ROOT overrides it at run time)")
    g.add_argument("--force", action="store_true", help="overwrite the files a previous run wrote (hand edits are lost)")
    _add_display(p)
    p.set_defaults(func=_cmd_homework)


def _seconds(text: str) -> float:
    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}") from None
    if not t > 0 or t == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return t


def _memory_mb(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 256:  # the sandbox's floor: a child loading numpy needs it (sandbox.Limits)
        raise argparse.ArgumentTypeError(f"expected a whole number of megabytes >= 256, got {text!r}")
    return n


def _add_grading_options(p, defaults: bool = True):
    """The options that decide a grade, shared by ``grade`` and ``homework gradescope`` (which passes on
    only those given: defaults=False leaves them None)."""
    from grading.options import FRAMEWORKS, VISIBILITIES  # plain tables, no numpy: --help stays fast

    d = (lambda v: v) if defaults else (lambda v: None)
    p.add_argument("--timeout", type=_seconds, default=d(10.0), help="CPU seconds per student function on its whole battery; one that only waits is stopped at 3x "
                        "that in wall-clock time (default 10)")
    p.add_argument("--memory-mb", type=_memory_mb, default=d(2048), help="address-space limit per child (default 2048)")
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


def _cmd_homework(args) -> int:
    from grading.command import HomeworkOptions, homework
    from presentation.grading import homework_message
    from presentation.i18n import resolve_lang

    options = HomeworkOptions(args.action, args.dir, args.interface, _grading_flags(args), args.autograder_root,
                              args.force)
    print(homework_message(options, homework(options), resolve_lang(args.lang)))
    return 0


def _add_grade(sub):
    p = sub.add_parser("grade", help="grade homework submissions in a sandbox",
                       description="Grade submissions (each .py file, or each subfolder of a folder) against the "
                                   "proven rules, each student function in its own limited child process.",
                       epilog="examples:\n  python cli.py grade layers.py\n"
                              "  python cli.py grade submissions/ --jobs 2 --format json -o grades.json --resume\n"
                              "  python cli.py grade export/ --format csv -o gradebook.csv --resume",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help=".py files or folders of submissions")
    p.add_argument("--interface", choices=["cs231n", "native"], default="cs231n", help="(default cs231n)")
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
    _add_display(p)
    p.set_defaults(func=_cmd_grade)


def _cmd_grade(args) -> int:
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


# --- main -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradproof",
        description="Derive, prove and check the gradients of convolutional networks.",
        epilog="Run with no command for the default walkthrough. Exit codes: 0 done; 1 `check` found a mismatch; "
               "2 a mistake in the command (one line on stderr); 70 a bug in gradproof (its "
               "traceback; please report it with the command line); 130 interrupted; 141 the output's "
               "reader left (a closed pipe).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_tour(sub)
    _add_derive(sub)
    _add_check(sub)
    _add_homework(sub)
    _add_grade(sub)
    return parser


# options whose value may start with '-': --values -1,-2 is data, --input -5x5 a mistake to name as such
_SIGNED = ("--values", "--input", "--kernel", "--window", "--stride", "--pad", "--dilation", "--seed")


def _negative_values(argv: list[str]) -> list[str]:
    """``--values -1,-2`` as ``--values=-1,-2``: argparse takes a word starting with '-' for an option, and
    would answer "expected one argument" instead of reading (or refusing by name) the value given."""
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a in _SIGNED and i + 1 < len(argv) and argv[i + 1][:1] == "-" and argv[i + 1][:2] != "--" \
                and argv[i + 1] != "-h":
            out.append(f"{a}={argv[i + 1]}")
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    given = sys.argv[1:] if argv is None else list(argv)
    argv = _negative_values(given)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["tour", *argv]  # `python cli.py --no-pause --lang zh` means the tour with those options
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["tour"])
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that left shows here, where it is handled, not at interpreter exit
        return code
    except GradproofError as exc:  # the one type a caller's mistake raises, in every package
        print(f"gradproof: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (`| head`, q in less): nothing went wrong, nothing to report
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        except (OSError, ValueError):  # no file behind sys.stdout (main() called from Python): nothing to do
            pass
        return 141  # what a shell reports for a writer stopped by SIGPIPE
    except Exception:  # anything else is a bug in gradproof, whatever its type: never dressed as a mistake
        traceback.print_exc()
        print(_BUG_REPORT.format(argv=shlex.join(["gradproof", *given])), file=sys.stderr)
        return EXIT_BUG


_BUG_REPORT = ("gradproof: this is a bug in gradproof, not a mistake in your command. Please report it with "
               "the command line ({argv}) and the traceback above.")


if __name__ == "__main__":
    sys.exit(main())
