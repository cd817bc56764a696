"""Submissions graded per second, cs231n interface, naive-loop student code, sandbox included.

Grades COUNT copies of ``examples/cs231n/correct.py`` with ``grade_batch`` (a fresh limited child per
student function, JOBS worker processes) and prints submissions per second. The peer, measured in
the same run, is the unsafe way: import the student's module into the grader's own process and call
it on the same battery through the same call harness and verdicts (what a same-process grader does);
the ratio is the price of isolation.

    python bench/grade_throughput.py [COUNT] [JOBS] [zygote|spawn]
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading._calls import run_call  # noqa: E402
from grading.batch import grade_batch  # noqa: E402
from grading.compare import check, inplace  # noqa: E402
from grading.interfaces import get_interface  # noqa: E402
from grading.runner import _names, prepare  # noqa: E402
from grading.sandbox import Limits  # noqa: E402


def in_process(path: Path) -> int:
    """The peer: the same battery, call harness (``_calls.run_call``) and verdicts (``compare``, inputs
    left untouched) as the grader, with the student's module imported into this process: no child, no
    pipes, no ``.npy`` round trip, no isolation. Returns the number of cases passed."""
    spec = importlib.util.spec_from_file_location("student", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    passed = 0
    for fs in get_interface("cs231n").functions:
        func = getattr(mod, fs.name)
        for i, case in enumerate(prepare(fs, fs.battery(0), 0)):
            call = fs.call(case.cfg)
            names = set(_names(call["args"]) + _names(call.get("cache_args", [])))
            out, err = run_call(mod, func, call, {f"{i}.{n}": case.inputs[n] for n in names}, i)
            if err is not None:
                continue
            touched = inplace({n: case.inputs[n] for n in _names(call["args"])}, out)
            actual = [out.get(f"r{j}") for j in range(len(fs.parts))]
            passed += touched.ok and all(check(a, ref).ok for a, ref in zip(actual, case.refs))
    return passed


def main(count: int = 12, jobs: int = 2, mode: str = "zygote") -> None:
    src = ROOT / "examples" / "cs231n" / "correct.py"
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp, "subs")
        subs.mkdir()
        for i in range(count):
            shutil.copy(src, subs / f"student{i:03d}.py")
        t0 = time.perf_counter()
        recs = grade_batch([subs], "cs231n", log=Path(tmp, "log.jsonl"), jobs=jobs, limits=Limits(mode=mode))
        sandboxed = time.perf_counter() - t0
    assert all(r["score"] == r["max_score"] == 40 for r in recs), "the correct solution must get full marks"
    t0 = time.perf_counter()
    for _ in range(count):
        in_process(src)
    peer = time.perf_counter() - t0
    print(f"sandboxed batch : {count} submissions in {sandboxed:.2f} s = {count / sandboxed:.2f} submissions/s "
          f"(jobs={jobs}, children: {mode})")
    print(f"in-process peer : {count} submissions in {peer:.2f} s = {count / peer:.2f} submissions/s (unsafe)")
    print(f"ratio sandboxed/in-process time: {sandboxed / peer:.1f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]), *sys.argv[3:4])
