"""A class's grades as a gradebook: CSV (a row per student, a column per function part) and one line each.

Student names come from Gradescope's ``submission_metadata.yml`` when the graded folder holds one (an
export of an assignment's submissions: a folder per submission, keyed in that file by folder name),
else from the submission's file or folder name. The file is a small YAML subset that Gradescope always
writes the same way, read here line by line rather than with a YAML library:

    submission_123:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1815'
        :email: ada@example.edu

>>> text = "submission_1:\\n  :submitters:\\n  - :name: Ada Lovelace\\n    :sid: '1815'\\n"
>>> parse_metadata(text)["submission_1"]["names"]
['Ada Lovelace']
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .report import part_passed

METADATA = "submission_metadata.yml"


def _scalar(text: str) -> str:
    """A YAML scalar as Gradescope writes it: plain, or in single or double quotes."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def parse_metadata(text: str) -> dict[str, dict]:
    """{submission folder: {"names": [...], "sids": [...], "emails": [...]}} from submission_metadata.yml."""
    out, current, in_submitters = {}, None, False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.strip() == "---":
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent == 0 and body.endswith(":"):
            current = _scalar(body[:-1])
            out[current] = {"names": [], "sids": [], "emails": []}
            in_submitters = False
            continue
        if current is None:
            continue
        if body.startswith("- "):
            body = body[2:].strip()
        elif body.startswith(":") and indent <= 2:
            in_submitters = body.startswith(":submitters:")
            continue
        if not in_submitters or not body.startswith(":") or ": " not in body:
            continue
        key, value = body[1:].split(": ", 1)
        field = {"name": "names", "sid": "sids", "email": "emails"}.get(key)
        if field:
            out[current][field].append(_scalar(value))
    return out


def students(records: list[dict], roots) -> dict[str, dict]:
    """{submission: {"student": name(s), "sid": id(s)}} for each record, named by any metadata file found."""
    meta = {}
    for root in map(Path, roots):
        f = root / METADATA
        if root.is_dir() and f.is_file():
            for key, who in parse_metadata(f.read_text(encoding="utf-8")).items():
                meta[str((root / key).resolve())] = who
    out = {}
    for r in records:
        p = Path(r["submission"])
        who = meta.get(str(p.resolve())) or meta.get(str(p.with_suffix("").resolve()))
        if who and who["names"]:
            out[r["submission"]] = {"student": " & ".join(who["names"]), "sid": " & ".join(who["sids"])}
        else:
            out[r["submission"]] = {"student": p.stem if p.suffix == ".py" else p.name, "sid": ""}
    return out


def _points(x: float) -> str:
    """Points as a gradebook shows them: at most 2 decimals, no trailing zeros."""
    return f"{round(x, 2):g}"


def part_columns(records: list[dict]) -> list[str]:
    """'function.part' for every part of every function, in the interface's order."""
    cols = []
    for r in records:
        for f in r["functions"]:
            for p in f["parts"]:
                if f"{f['name']}.{p['part']}" not in cols:
                    cols.append(f"{f['name']}.{p['part']}")
    return cols


def to_csv(records: list[dict], names: dict[str, dict]) -> str:
    """One row per submission: student, sid, submission, total, max_total, a column per part (points), status."""
    cols = part_columns(records)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "sid", "submission", "total", "max_total", *cols, "status"])
    for r in records:
        pts = {f"{f['name']}.{p['part']}": _points(p["points"]) for f in r["functions"] for p in f["parts"]}
        who = names.get(r["submission"], {"student": r["submission"], "sid": ""})
        w.writerow([who["student"], who["sid"], r["submission"], _points(r["score"]), _points(r["max_score"]),
                    *(pts.get(c, "") for c in cols), r["status"]])
    return buf.getvalue()


def summary_lines(records: list[dict], names: dict[str, dict]) -> str:
    """One line per student: name, points, and the parts that lost points (or why it was not graded)."""
    rows = []
    for r in records:
        who = names.get(r["submission"], {"student": r["submission"]})["student"]
        lost = [f"{f['name']}.{p['part']} {_points(p['points'])}/{_points(p['max_points'])}"
                for f in r["functions"] for p in f["parts"] if not part_passed(p)]
        why = r["status"] if r["status"] != "graded" else ("all passed" if not lost else "lost: " + ", ".join(lost))
        rows.append((who, f"{_points(r['score'])}/{_points(r['max_score'])}", why))
    wide = max((len(w) for w, _, _ in rows), default=0)
    return "\n".join(f"{w:<{wide}}  {s:>9}  {why}" for w, s, why in rows)
