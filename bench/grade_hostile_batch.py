"""A class with hostile submissions mixed in: is every honest submission graded exactly as when alone?

Grades HONEST honest submissions (cycling through ``examples/cs231n``: correct files and each classic
mistake, a folder submission included) once each on their own with ``grade_submission``, then all of
them in one ``grade_batch`` with five hostile submissions from ``examples/attacks`` (a fork bomb, a
memory bomb, forged result frames, a 3000-deep tree, a defeated audit hook reaching for classmates).
Prints how many honest records differ (score, points per function, passed/total per part, named
mistakes), what the attackers got, the sandbox mode, and the batch's time per submission against
grading alone (the peer, measured in the same run).

    python bench/grade_hostile_batch.py [HONEST] [JOBS]      # default 45 and 2: a class of 50
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading.batch import grade_batch  # noqa: E402
from grading.grade import grade_submission  # noqa: E402
from grading.sandbox import Limits, isolation  # noqa: E402

HOSTILE = ("fork_bomb.py", "memory_bomb.py", "forged_frames.py", "deep_tree.py", "hook_code_swap.py")


def signature(rec: dict) -> tuple:
    """What must not change between grading alone and grading in a class: every number and named mistake."""
    return (rec["score"], rec["status"], tuple(
        (f["name"], f["points"], tuple((p["part"], p["passed"], p["total"], p["points"]) for p in f["parts"]),
         tuple(sorted(d["key"] for d in f["diagnoses"]))) for f in rec["functions"]))


def make_class(folder: Path, honest: int) -> tuple[list[str], list[str]]:
    """``honest`` honest submissions and the five hostile ones under ``folder``; their names."""
    pool = sorted((ROOT / "examples" / "cs231n").iterdir())
    names = []
    for k in range(honest):
        src = pool[k % len(pool)]
        name = f"h{k:02d}_{src.name}"
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / name)
        names.append(name)
    for h in HOSTILE:
        shutil.copy(ROOT / "examples" / "attacks" / h, folder / f"x_{h}")
    return names, [f"x_{h}" for h in HOSTILE]


SEED = 20261201


def run(honest: int = 45, jobs: int = 2, limits: Limits = Limits(timeout_s=5.0, memory_mb=768)) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="gradproof-bench-"))
    try:
        folder = tmp / "class"
        folder.mkdir()
        names, hostile = make_class(folder, honest)
        start = time.perf_counter()
        # one seed for both runs: the input values are drawn afresh per run otherwise, and a mistake's share
        # of failing cases (= for += fails only where overlapping windows share their maximum) moves with them
        alone = {n: grade_submission(folder / n, "cs231n", limits=limits, seed=SEED).to_dict() for n in names}
        t_alone = time.perf_counter() - start
        start = time.perf_counter()
        recs = {Path(r["submission"]).name: r for r in grade_batch([folder], "cs231n", log=tmp / "log.jsonl",
                                                                    jobs=jobs, limits=limits, seed=SEED)}
        t_batch = time.perf_counter() - start
        differ = [n for n in names if signature(recs[n]) != signature(alone[n])]
        return {"mode": isolation(limits), "honest": len(names), "differ": differ,
                "hostile": {h: recs[h]["score"] for h in hostile}, "alone_s": t_alone, "batch_s": t_batch}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> None:
    honest = int(argv[0]) if argv else 45
    jobs = int(argv[1]) if len(argv) > 1 else 2
    r = run(honest, jobs)
    print(f"sandbox: {r['mode']} mode; class of {r['honest'] + len(r['hostile'])} ({r['honest']} honest, "
          f"{len(r['hostile'])} hostile), jobs={jobs}")
    print(f"honest submissions graded differently in the class than alone: {len(r['differ'])} {r['differ']}")
    print("hostile scores: " + ", ".join(f"{h} {s:g}" for h, s in r["hostile"].items()))
    per_alone = r["alone_s"] / r["honest"]
    per_batch = r["batch_s"] / (r["honest"] + len(r["hostile"]))
    print(f"seconds per submission: alone {per_alone:.2f} (one at a time), in the class {per_batch:.2f} "
          f"({jobs} jobs); ratio class/alone {per_batch / per_alone:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
