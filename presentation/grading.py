"""Rich rendering of grading results and of what the ``grade``/``homework`` commands report.

Reads the JSON form of results (``SubmissionResult.to_dict`` or a batch log line), so a report looks
the same whether it was graded now or read back from a log. The commands themselves run in
``grading.command``; what is rendered here is the plain data they return.
"""
from __future__ import annotations

import contextlib
import io

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grading import report
from grading.batch import summary
from grading.options import HomeworkOptions
from presentation.i18n import text
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


def render_reports(records: list[dict], console: Console, lang: str = "en") -> None:
    """Every student's report, and for more than one the class's summary."""
    for rec in records:
        render_submission(rec, console, lang)
    if len(records) > 1:
        render_summary(summary(records), console, lang)


def text_report(records: list[dict], lang: str = "en") -> str:
    """The text reports as plain text for a file: 110 columns, no colour."""
    out = io.StringIO()
    render_reports(records, make_console(no_color=True, file=out, width=110), lang)
    return out.getvalue()


@contextlib.contextmanager
def grade_progress(total: int | None, lang: str = "en"):
    """A progress bar on stderr for a batch of ``total`` submissions; yields the callback that advances it
    (``on_result``). ``total=None`` (one submission graded alone): no bar, a callback that does nothing."""
    if total is None:
        yield lambda rec: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as prog:
        task = prog.add_task(text("grade.progress", lang), total=total)
        yield lambda rec: prog.advance(task)


def homework_message(options: HomeworkOptions, written: list, lang: str = "en") -> str:
    """What ``homework`` says it wrote (``written``: the paths ``grading.command.homework`` returns)."""
    if options.action == "init" and len(written) == 1:   # an interface without a self-check (notes-cnn)
        return text("homework.init_alone", lang, path=str(written[0]), interface=options.interface)
    if options.action == "init":
        return text("homework.init", lang, path=str(written[0]), selfcheck=str(written[1]),
                    interface=options.interface)
    return text("homework.gradescope", lang, dir=options.dir, zip=str(written[-1]))
