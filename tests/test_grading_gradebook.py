"""Gradebook outputs: CSV and one line per student, names from Gradescope's metadata, JSON as a list."""
import csv
import io
import json
import shutil
from pathlib import Path

import cli
from grading.gradebook import parse_metadata, students

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "cs231n"

# the shape of a Gradescope export's submission_metadata.yml, with the keys we do not read around the ones we do
METADATA = """---
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2026-11-30 10:00:00.000000000 -08:00
  :score: 40.0
  :results:
    :tests:
    - :name: 'conv_forward_naive: out'
      :score: 10.0
submission_102:
  :submitters:
  - :name: Grace O'Brien
    :sid: "2001"
  - :name: 'Alan O''Neil'
    :sid: '2002'
  :created_at: 2026-11-30 11:00:00.000000000 -08:00
"""


def test_metadata_names_groups_quotes_and_nothing_from_nested_results():
    meta = parse_metadata(METADATA)
    assert meta["submission_101"] == {"names": ["Ada Lovelace"], "sids": ["1815"], "emails": ["ada@example.edu"]}
    assert meta["submission_102"]["names"] == ["Grace O'Brien", "Alan O'Neil"]
    assert meta["submission_102"]["sids"] == ["2001", "2002"]


def _export(tmp_path):
    export = tmp_path / "export"
    for key, src in (("submission_101", "correct.py"), ("submission_102", "mistake_db_batch.py")):
        (export / key).mkdir(parents=True)
        shutil.copy(EX / src, export / key / "layers.py")
    (export / "submission_metadata.yml").write_text(METADATA)
    return export


def test_csv_summary_and_json_of_a_gradescope_export(tmp_path, capsys):
    export = _export(tmp_path)
    log = tmp_path / "log.jsonl"
    base = ["grade", str(export), "--jobs", "1", "--log", str(log)]
    assert cli.main(base + ["--format", "json", "-o", str(tmp_path / "g.json")]) == 0
    graded = json.loads((tmp_path / "g.json").read_text())
    assert isinstance(graded, list) and len(graded) == 2
    # the same grades, read back from the log (--resume): a CSV with a row per student, a column per part
    assert cli.main(base + ["--resume", "--format", "csv", "-o", str(tmp_path / "g.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text())))
    assert [r["student"] for r in rows] == ["Ada Lovelace", "Grace O'Brien & Alan O'Neil"]
    assert rows[1]["sid"] == "2001 & 2002"
    parts = [c for c in rows[0] if "." in c and c != "submission"]
    assert parts == ["conv_forward_naive.out", "conv_backward_naive.dx", "conv_backward_naive.dw",
                     "conv_backward_naive.db", "max_pool_forward_naive.out", "max_pool_backward_naive.dx"]
    assert rows[0]["total"] == "40" and rows[0]["max_total"] == "40" and rows[0]["status"] == "graded"
    by_part = {r["student"]: r for r in rows}
    lost = by_part["Grace O'Brien & Alan O'Neil"]
    assert float(lost["conv_backward_naive.db"]) < 2 and lost["conv_backward_naive.dx"] == "5"
    assert abs(sum(float(lost[c]) for c in parts) - float(lost["total"])) < 0.02
    assert {r["total"] for r in rows} == {_g(r["score"]) for r in graded}
    capsys.readouterr()
    assert cli.main(base + ["--resume", "--format", "summary"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Ada Lovelace") and lines[0].endswith("all passed")
    assert "lost: conv_backward_naive.db" in lines[1] and lines[1].startswith("Grace O'Brien & Alan O'Neil")
    assert len(log.read_text().splitlines()) == 2  # graded once; read back twice


def _g(x):
    return f"{round(x, 2):g}"


def test_without_metadata_students_are_named_by_their_file_or_folder(tmp_path):
    recs = [{"submission": str(tmp_path / "alice.py")}, {"submission": str(tmp_path / "bob")}]
    assert [v["student"] for v in students(recs, [tmp_path]).values()] == ["alice", "bob"]


def test_json_is_a_list_for_one_submission_and_gradescope_visibility_is_chosen(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(EX / "mistake_no_bias.py", sub / "layers.py")
    assert cli.main(["grade", str(sub / "layers.py"), "--format", "json", "-o", str(tmp_path / "one.json")]) == 0
    one = json.loads((tmp_path / "one.json").read_text())
    assert isinstance(one, list) and len(one) == 1 and one[0]["score"] == 30
    out = tmp_path / "results.json"
    assert cli.main(["grade", str(sub), "--single", "--format", "gradescope", "-o", str(out), "--visibility", "hidden",
                     "--test-visibility", "after_published"]) == 0
    data = json.loads(out.read_text())
    assert data["visibility"] == "hidden" and {t["visibility"] for t in data["tests"]} == {"after_published"}
