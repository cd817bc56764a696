"""Agreement between the grader's full-marks verdict and the torch oracle on real public solutions.

Grades every cached corpus solution (``corpus/cs231n.json``, files in ``corpus/cache/`` filled by
``corpus/fetch.py``) with ``grading.grade.grade_submission`` on the cs231n interface, takes each
function's verdict (full marks or not) and compares it with the oracle's label in ``corpus/labels.json``
(``corpus/label.py``: correct, or wrong / crash). Prints the agreement per function and overall, then
every disagreement with its reason. A disagreement that follows from a stated grading policy says so:

* ``policy: fd credit``: a backward part kept its credit as the gradient of the student's own forward;
* ``policy: non-divisible cases``: every failing grader case is one where the output size does not
  divide evenly, which the assignment lets students assume;
* ``policy: imports``: the solution imports a module the sandbox cannot load (the oracle stubs it).

Anything else is reported as a grader bug (``false credit`` / ``false fail`` / ``grader crashed``).

    python bench/grade_realworld.py [--fd-credit] [--stub NAME] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.fetch import CORPUS, cached  # noqa: E402
from grading.grade import grade_submission  # noqa: E402
from grading.interfaces import get_interface  # noqa: E402
from grading.sandbox import Limits  # noqa: E402
from corpus.label import FUNCTIONS, LABELS  # noqa: E402


def _non_divisible() -> dict:
    """Per function, the descriptions of the grader's cases whose output size does not divide evenly."""
    iface = get_interface("cs231n")
    return {s.name: {c.describe() for c in s.battery(0) if not c.divides} for s in iface.functions}


def grader_reason(fres, nondiv: set) -> str:
    """Why the grader withheld full marks from a function the oracle calls correct."""
    text = " ".join([fres.error or ""] + [m for p in fres.parts for m in p.messages])
    if "No module named" in text or "ModuleNotFoundError" in text:
        return ("policy: imports: a module the grader cannot load (the oracle stubs it): "
                f"{(fres.error or text).strip().splitlines()[-1][:160]}")
    failing = [p for p in fres.parts if p.passed < p.total and not p.fd_credit]
    if failing and all(p.total - p.passed <= len(nondiv) and p.messages and
                       all(any(d in m for d in nondiv) for m in p.messages) for p in failing):
        return "policy: non-divisible cases: fails only where the output size does not divide evenly"
    first = next((m for p in failing for m in p.messages), fres.error or "")
    return f"false fail: {first[:200]}"


def oracle_reason(fres, lab: dict, cases: list) -> str:
    """Why the grader gave full marks to a function the oracle calls wrong."""
    credited = [p.part for p in fres.parts if p.fd_credit]
    why = f"oracle: {lab['case']}: {lab['reason'][:160]}"
    if credited:
        return f"policy: fd credit ({', '.join(credited)} kept as the gradient of the student's own forward); {why}"
    bad = [c for c, k in zip(cases, lab["cases"]) if k != "ok"]
    if bad and all(c.get("values", "normal") != "normal" for c in bad):
        return f"false credit: no tie case in the grader's battery; {why}"
    return f"false credit: {why}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fd-credit", action="store_true", help="grade with fd_credit=True (off by default, as in the grader)")
    ap.add_argument("--stub", action="append", default=[], metavar="NAME",
                    help="as grade --stub: an absent package replaced by an empty module (repeatable)")
    ap.add_argument("--json", type=Path, help="also write every verdict here")
    args = ap.parse_args(argv)
    corpus = json.loads(CORPUS.read_text())
    labels = json.loads(LABELS.read_text())
    try:
        for sol in corpus["solutions"]:
            cached(sol)
    except FileNotFoundError as exc:
        print(f"grade_realworld: {exc}", file=sys.stderr)
        return 2
    nondiv = _non_divisible()
    rows = []
    with tempfile.TemporaryDirectory(prefix="realworld-") as tmp:
        for sol in corpus["solutions"]:
            lab = labels["labels"].get(sol["id"])
            if lab is None:
                print(f"{sol['id']}: no oracle label; run python corpus/label.py")
                continue
            sub = Path(tmp) / sol["id"]
            sub.mkdir()
            shutil.copy(cached(sol), sub / "layers.py")
            kwargs = {"fd_credit": args.fd_credit, "limits": Limits(stubs=tuple(args.stub))}
            try:
                res = {f.name: f for f in grade_submission(sub / "layers.py", "cs231n", **kwargs).functions}
            except Exception:
                res, crash = None, traceback.format_exc().strip().splitlines()[-1]
            for fname in FUNCTIONS:
                oracle_ok = lab[fname]["label"] == "correct"
                if res is None:
                    rows.append((sol["id"], fname, None, oracle_ok, f"grader crashed: {crash[:200]}"))
                    continue
                fres = res[fname]
                why = ""
                if fres.passed and not oracle_ok:
                    why = oracle_reason(fres, lab[fname], labels["cases"][fname])
                elif oracle_ok and not fres.passed:
                    why = grader_reason(fres, nondiv[fname])
                rows.append((sol["id"], fname, fres.passed, oracle_ok, why))
            print(f"graded {sol['id']}", file=sys.stderr, flush=True)
    print(f"{len({r[0] for r in rows})} solutions, grader's full-marks verdict vs the torch oracle"
          f"{' (fd credit on)' if args.fd_credit else ''}")
    for fname in list(FUNCTIONS) + [None]:
        sel = [r for r in rows if fname is None or r[1] == fname]
        agree = sum(r[2] is not None and r[2] == r[3] for r in sel)
        print(f"  {fname or 'overall':<26} {agree:>3}/{len(sel):<3} agree ({100 * agree / max(len(sel), 1):.1f}%)"
              f"   oracle correct {sum(r[3] for r in sel)}, grader full marks {sum(bool(r[2]) for r in sel)}")
    dis = [r for r in rows if r[2] is None or r[2] != r[3]]
    print(f"{len(dis)} disagreement(s):")
    for sid, fname, g, o, why in dis:
        print(f"  {sid} {fname}: grader {'full' if g else 'not full' if g is not None else 'crashed'}, "
              f"oracle {'correct' if o else 'not correct'}: {why}")
    if args.json:
        args.json.write_text(json.dumps([dict(zip(("id", "function", "grader_full", "oracle_correct", "why"), r))
                                         for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
