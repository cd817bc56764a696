"""The student report renders every part of a result: table, mistake, command, reproduction."""
from pathlib import Path

from rich.console import Console

from grading.batch import summary
from grading.grade import grade_submission
from presentation.grading import render_submission, render_summary

EX = Path(__file__).resolve().parent.parent / "examples" / "cs231n"


def test_report_shows_points_mistake_command_and_reproduction(tmp_path):
    import shutil

    # a long folder name, as in a deep clone or a class folder: the score must stay whole wherever the file lives
    deep = tmp_path / ("a-long-folder-name-for-a-class-of-submissions-" * 3) / "student-one"
    deep.mkdir(parents=True)
    sub = shutil.copy(EX / "mistake_assign_pool.py", deep)
    rec = grade_submission(sub, "cs231n").to_dict()
    con = Console(record=True, width=100)
    render_submission(rec, con, "en")
    render_summary(summary([rec]), con, "en")
    out = con.export_text()
    assert f"{rec['score']:g} / 40" in out and rec['score'] < 40 and "max_pool_backward_naive" in out
    assert "Likely mistake" in out and "gradproof derive max-pool" in out
    assert "expected_dx = np.array(" in out and "1 x max_pool_backward_naive" in out
    zh = Console(record=True, width=140)
    render_submission(rec, zh, "zh")
    assert "可能的错误" in zh.export_text()


def test_markup_in_a_submission_cannot_break_the_report(tmp_path):
    bad = tmp_path / "[red]evil[bold].py"
    bad.write_text("def conv_forward_naive(x, w, b, p):\n    raise ValueError('[/bold] [link=x]')\n")
    rec = grade_submission(bad, "cs231n").to_dict()
    con = Console(record=True, width=140)
    render_submission(rec, con, "en")
    out = con.export_text()
    assert "[/bold] [link=x]" in out and "[red]evil[bold].py" in out


def test_every_grading_text_key_exists_in_both_languages():
    import re

    from presentation.i18n import EN, ZH

    src = (Path(__file__).resolve().parent.parent / "presentation" / "grading.py").read_text(encoding="utf-8")
    used = set(re.findall(r"""text\(\s*["']([a-z0-9_.]+)["']""", src))
    assert {"grade.likely", "grade.progress", "homework.init"} <= used
    assert not used - set(EN) and not used - set(ZH), sorted(used - (set(EN) & set(ZH)))


def test_the_reproduction_copied_from_a_narrow_terminal_still_runs(tmp_path):
    import io
    import shutil
    import subprocess
    import sys

    rec = grade_submission(EX / "mistake_whole_window.py", "cs231n").to_dict()
    buf = io.StringIO()
    render_submission(rec, Console(file=buf, width=60, no_color=True), "en")
    text = buf.getvalue()
    script = text[text.index("import numpy as np"):]
    script = script[: script.index("# worst element")]
    shutil.copy(EX / "mistake_whole_window.py", tmp_path)
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split()[-1]) > 1e-3


def test_the_derive_command_is_printed_whole_on_one_line_in_a_narrow_terminal():
    rec = grade_submission(EX / "mistake_assign_pool.py", "cs231n").to_dict()
    [cmd] = {d["command"] for f in rec["functions"] for d in f["diagnoses"]}
    con = Console(record=True, width=60)
    render_submission(rec, con, "en")
    # copied from the terminal line by line, the command must still run: no wrap, no border inside it
    assert any(line.rstrip().endswith(cmd) for line in con.export_text().splitlines()), con.export_text()
