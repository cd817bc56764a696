"""Rich rendering of grading results, and the glue the ``grade``/``homework`` commands call.

Reads the JSON form of results (``SubmissionResult.to_dict`` or a batch log line), so a report looks
the same whether it was graded now or read back from a log.
"""
from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grading import batch, report, templates
from grading.grade import grade_submission
from grading.sandbox import BLOCKED
from grading.selftest import sandbox_limits
from grading.score import Weights
from presentation.i18n import resolve_lang, text
from presentation.matrices import make_console


def render_submission(rec: dict, console: Console, lang: str = "en") -> None:
    """One student's report: points per function and part, what failed, the likely mistake, a reproduction."""
    rec = report.as_dict(rec)   # escapes and control characters out, long texts cut
    # Everything that comes from a submission (file names, exception text) is shown as plain Text, never
    # parsed as markup: "[/]" in a student's error message must not break a class's report.
    # The path is a line of its own that never wraps (a deep folder must not push the score onto two lines,
    # and a path copied from the terminal stays whole); the score is the table's title alone, always one piece.
    console.print(Text(str(rec["submission"]), style="bold"), soft_wrap=True)
    table = Table(title=Text(f"{rec['score']:g} / {rec['max_score']:g}", style="bold"), show_lines=False)
    for col in (text("grade.function", lang), text("grade.part", lang), text("grade.cases", lang),
                text("grade.points", lang)):
        table.add_column(col)
    for f in rec["functions"]:
        for p in f["parts"]:
            mark = "[green]✓[/]" if report.part_passed(p) else "[red]✗[/]"
            table.add_row(f"{mark} {f['name']}", p["part"], f"{p['passed']}/{p['total']}",
                          f"{p['points']:g}/{p['max_points']:g}")
    console.print(table)
    if rec["status"] != "graded":
        console.print(Text(rec["status"], style="red"))
    for f in rec["functions"]:
        lines = [m for p in f["parts"] for m in p["messages"][:1]] + [p["note"] for p in f["parts"] if p["note"]]
        if f["error"]:
            lines.insert(0, f["error"])
        lines += [f"{text('grade.likely', lang)}: {d['words']}" for d in f["diagnoses"]]
        if not lines:
            continue
        console.print(Panel(Text("\n".join(dict.fromkeys(lines))), title=f["name"], expand=False))
        # the commands go outside the panel, one unwrapped line each: wrapped inside a border, a command
        # copied from the terminal no longer runs
        for cmd in dict.fromkeys(d["command"] for d in f["diagnoses"]):
            console.print(Text(f"{text('grade.see', lang)}: {cmd}"), soft_wrap=True)
        rep = f["repro"]
        if rep:
            where = f"{rep['config']} ({rep['part']}, worst {rep['worst']})"
            console.print(Text(f"{text('grade.smallest', lang)}: {where}"))
            # soft_wrap: long lines stay single lines, so what the student copies still runs
            console.print(Text(rep["code"]), soft_wrap=True)
        if f["output"].strip():
            console.print(f"{text('grade.printed', lang)}:\n{f['output'][:2000]}", markup=False)
    if rec.get("seed") is not None:
        console.print(Text(text("grade.seed", lang, seed=rec["seed"]), style="dim"), soft_wrap=True)


def render_summary(summ: dict, console: Console, lang: str = "en") -> None:
    """The closing summary of a batch: distribution and the most common mistakes."""
    t = Table(title=f"{text('grade.summary', lang)}: {summ['submissions']} (mean {summ['mean_score']:g})")
    t.add_column(text("grade.band", lang))
    t.add_column("#")
    for band, n in summ["distribution"].items():
        t.add_row(band, str(n))
    console.print(t)
    for words, n in summ["common_mistakes"]:
        console.print(Text(f"  {n} x {words}"))
    for why, n in summ["not_graded"].items():
        console.print(Text(f"  {n} x {why}", style="red"))


def _read_weights(path, interface: str) -> Weights:
    """--weights FILE as Weights; ValueError (exit 2) naming the file when it cannot be read."""
    from grading.interfaces import get_interface

    try:
        weights = Weights.from_json(Path(path).read_text())
    except (OSError, json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise ValueError(f"--weights could not be read from {path!r}: {exc}") from None
    try:
        return weights.check(get_interface(interface))
    except ValueError as exc:
        raise ValueError(f"--weights {path}: {exc}") from None


def _regrade(paths, subs) -> list:
    """--regrade PATH...: each must be one of the submissions found (compared as resolved paths)."""
    from grading.resume import resolved

    known = {resolved(s) for s in subs}
    for p in paths or ():
        if resolved(p) not in known:
            raise ValueError(f"--regrade {p}: not one of the {len(subs)} submissions under "
                             f"{' '.join(map(str, {s.parent for s in subs}))}")
    return list(paths or ())


def run_grade(args) -> int:
    """The ``grade`` command: grade, log, render in the chosen format."""
    lang = resolve_lang(args.lang)
    # the drawn cases come from hypothesis, whose cache would otherwise land in the student's folder
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "gradproof-hypothesis"))
    blocked = tuple(b for b in BLOCKED if b not in set(args.allow or ()))
    weights = _read_weights(args.weights, args.interface) if args.weights else Weights()
    for p in args.paths:
        if not Path(p).exists():  # checked first: a .py path below goes straight to grade_submission
            raise ValueError(f"PATH {p} does not exist")
    subs = []
    if not args.single:
        skipped = []
        subs = batch.find_submissions(args.paths, skipped)
        if skipped:
            # once, not once per folder: a class folder may hold many folders that are not submissions
            where = sorted({str(s.parent) for s in skipped})
            print(f"gradproof: {len(skipped)} subfolder{'s' * (len(skipped) != 1)} of {', '.join(where)} "
                  f"hold no .py file (listed as not graded)", file=sys.stderr)
    if args.format == "gradescope" and not args.single and len(subs) != 1:
        raise ValueError("--format gradescope writes one submission's results.json: add --single, or give one "
                         "submission (Gradescope runs one container per submission)")
    limits = sandbox_limits(args, blocked)  # the self-test: nothing is graded in a sandbox that does not hold
    # one .py file and no log asked for: a student checking their work; no log file, no progress bar
    single = args.single or (len(args.paths) == 1 and args.paths[0].endswith(".py")
                             and not (args.log or args.resume or args.regrade))
    if single:
        if len(args.paths) != 1:
            raise ValueError(f"--single takes exactly one PATH, got {len(args.paths)}")
        records = [grade_submission(args.paths[0], args.interface, limits=limits, weights=weights,
                                    fd_credit=args.fd_credit, blocked=blocked, strict=args.strict,
                                    seed=args.seed).to_dict()]
    else:
        log = Path(args.log or ((args.output or "gradproof-grades") + ".jsonl"))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=False) as prog:
            task = prog.add_task(text("grade.progress", lang), total=len(subs))
            records = batch.grade_batch(args.paths, args.interface, log=log, jobs=args.jobs,
                                        resume=args.resume or bool(args.regrade), limits=limits, weights=weights,
                                        on_result=lambda rec: prog.advance(task), fd_credit=args.fd_credit,
                                        blocked=blocked, regrade=_regrade(args.regrade, subs), strict=args.strict,
                                        seed=args.seed)
    if args.format == "gradescope":
        body = json.dumps(report.gradescope(records[0], args.visibility, args.test_visibility or args.visibility),
                          indent=2, allow_nan=False)
    elif args.format == "json":
        # always a list, one record per submission (a single one included): one shape to parse
        body = report.to_json(records)
    elif args.format in ("csv", "summary"):
        from grading import gradebook

        names = gradebook.students(records, args.paths)
        body = (gradebook.to_csv if args.format == "csv" else gradebook.summary_lines)(records, names).rstrip("\n")
    elif args.format == "junit":
        body = report.junit(records)
    else:
        out = io.StringIO() if args.output else sys.stdout  # a file is written whole, at once (write_output)
        console = make_console(no_color=args.no_color or bool(args.output), file=out,
                               width=110 if args.output else None)
        for rec in records:
            render_submission(rec, console, lang)
        if len(records) > 1:
            render_summary(batch.summary(records), console, lang)
        if args.output:
            batch.write_output(args.output, out.getvalue())
        return 0
    if args.output:
        batch.write_output(args.output, body + "\n")
    else:
        print(body)
    return 0


def run_homework(args) -> int:
    """The ``homework`` command: write a student template or the Gradescope autograder files."""
    lang = resolve_lang(args.lang)
    if args.action == "init":
        given = [o for o in gradescope_options(args) if o.startswith("--")]
        given += ["--weights"] * bool(args.weights) + ["--force"] * args.force
        given += ["--autograder-root"] * (args.autograder_root != "/autograder")
        if given:
            raise ValueError(f"{', '.join(dict.fromkeys(given))}: for homework gradescope only, not homework init")
        paths = templates.write_template(args.dir, args.interface)
        print(text("homework.init", lang, path=str(paths[0]), selfcheck=str(paths[1]), interface=args.interface))
    else:
        from grading import gradescope

        # every mistake refused here, not on Gradescope in front of a student
        weights = _read_weights(args.weights, args.interface) if args.weights else None
        if not args.autograder_root.startswith("/"):
            raise ValueError(f"--autograder-root must be an absolute path, got {args.autograder_root!r}")
        files = gradescope.write_package(args.dir, args.interface, options=gradescope_options(args),
                                         weights_file=args.weights if weights else None,
                                         root=args.autograder_root, force=args.force)
        print(text("homework.gradescope", lang, dir=args.dir, zip=str(files[-1])))
    return 0


def gradescope_options(args) -> list[str]:
    """The ``grade`` options given to ``homework gradescope``, as run_autograder passes them on."""
    out = []
    for flag, value in (("--timeout", args.timeout), ("--memory-mb", args.memory_mb),
                        ("--visibility", args.visibility), ("--test-visibility", args.test_visibility)):
        if value is not None:
            out += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    if getattr(args, "seed", None) is not None:
        out += ["--seed", str(args.seed)]
    for flag, name in (("--allow", "allow"), ("--stub", "stub")):
        for value in getattr(args, name, None) or ():
            out += [flag, value]
    return out + ["--fd-credit"] * bool(args.fd_credit) + ["--strict"] * bool(args.strict)
