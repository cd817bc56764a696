"""gradproof command line: the parser built from ``commands/`` (one module per command) and the exit codes.

Exit codes: 0 done; 1 ``check`` found a mismatch; 2 a user's mistake (a :class:`GradproofError`
from the library or a bad option: one line on stderr, never a traceback); 70 a bug in gradproof (any other
exception: its traceback and a request to report it; 70 is sysexits' EX_SOFTWARE, apart from the 1 of a
failed check); 130 Ctrl-C; 141 the reader of the output left (a closed pipe). SymPy and numpy are imported
inside the commands' ``run`` functions so that ``--help`` starts fast.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import traceback

from commands import check, derive, grade, summary, tour
from commands._args import UserError  # noqa: F401 - the command line's mistake type, importable as cli.UserError
from derivations._validate import GradproofError  # plain Python: costs nothing at start-up

#: exit code of an exception that is not a user's mistake (sysexits.h EX_SOFTWARE: internal software error)
EXIT_BUG = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (not the whole usage block), exit code 2, and reads no
    abbreviation (``--strid 2`` is a typo to refuse, not ``--stride 2``); subcommands inherit both."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


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
    tour.add(sub)
    derive.add(sub)
    check.add(sub)
    grade.add_homework(sub)
    grade.add_grade(sub)
    summary.add(sub)
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
