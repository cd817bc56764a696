"""Shared by the attack suite (``tests/test_attack_*.py``): grade attackers in one batch with honest
classmates, in the strongest sandbox mode this host offers (stated in pytest's header, see conftest).

>>> MODE in ("namespace", "uid", "none")
True
"""
import os
from pathlib import Path

from grading.batch import grade_batch
from grading.sandbox import Limits, isolation

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
CORRECT = (EX / "cs231n" / "correct.py").read_text()
# GRADPROOF_TEST_ISOLATION=uid runs the suite in the fallback mode on a host that offers namespaces
LIMITS = Limits(timeout_s=3.0, memory_mb=768, isolation=os.environ.get("GRADPROOF_TEST_ISOLATION", "auto"))
MODE = isolation(LIMITS)


def write(folder: Path, submissions: dict) -> Path:
    """``{name: source}`` (a file) or ``{name: {relative path: source}}`` (a folder) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, src in submissions.items():
        if isinstance(src, dict):
            for rel, text in src.items():
                (folder / name / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / name / rel).write_text(text)
        else:
            (folder / name).write_text(src)
    return folder


def attack(tmp_path: Path, attackers: dict, honest: int = 1, jobs: int = 2, limits: Limits = LIMITS) -> dict:
    """Grade ``attackers`` with ``honest`` copies of a correct submission; records by name."""
    subs = {f"honest{k}.py": CORRECT for k in range(honest)}
    d = write(tmp_path / "class", {**subs, **attackers})
    recs = grade_batch([d], "cs231n", log=tmp_path / "log.jsonl", jobs=jobs, limits=limits)
    return {Path(r["submission"]).name: r for r in recs}


def assert_contained(by: dict, attackers) -> None:
    """Every attacker gets 0 and every honest classmate keeps full marks."""
    assert {a: by[a]["score"] for a in attackers} == {a: 0 for a in attackers}, \
        {a: [f["error"] for f in by[a]["functions"]] for a in attackers}
    honest = [n for n in by if n.startswith("honest")]
    assert honest and all(by[n]["score"] == 40.0 for n in honest), {n: by[n]["status"] for n in honest}


def example(name: str) -> str:
    return (EX / "attacks" / name).read_text()


