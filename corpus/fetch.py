"""Fill and verify ``corpus/cache/``: the public solutions that ``corpus/cs231n.json`` lists by reference.

The students' code is never committed. ``cs231n.json`` lists each solution's repository, path, commit
and the sha256 of the file's bytes at that commit; this script puts the file at
``corpus/cache/<id>.py`` (git-ignored) and refuses any file whose sha256 differs.

How a maintainer refills the cache, from whichever source the machine can reach:

* ``python corpus/fetch.py --from-github``: downloads
  ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` (a machine with GitHub access).
* ``python corpus/fetch.py --from-mirror DIR``: reads ``git show <commit>:<path>`` from local clones
  laid out as ``DIR/<owner>+<name>/repo`` (a plain clone or a bare git directory). On a machine that
  reaches only package registries, fill DIR with the session's repository-snapshot tool first (that is
  how the cache was filled when the corpus was built: one snapshot per listed repository, under
  ``/work/.mirror``); ``git clone https://github.com/<repo> DIR/<owner>+<name>/repo`` does the same.
* By hand: save the file's text as ``corpus/cache/<id>.py``; the check below accepts it only if its
  sha256 matches.

``python corpus/fetch.py`` alone verifies the cache and says which files are missing or altered.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "cs231n.json"
CACHE = HERE / "cache"


def cache_path(sol: dict) -> Path:
    return CACHE / f"{sol['id']}.py"


def verify(sol: dict) -> str | None:
    """None if the cached file is there with the listed sha256; else what is wrong."""
    path = cache_path(sol)
    if not path.is_file():
        return "missing"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return None if digest == sol["sha256"] else f"sha256 {digest[:12]}... differs from the listed {sol['sha256'][:12]}..."


def cached(sol: dict) -> Path:
    """The verified cached file of ``sol``; FileNotFoundError naming the fix otherwise."""
    why = verify(sol)
    if why:
        raise FileNotFoundError(f"{cache_path(sol)}: {why}; run python corpus/fetch.py --from-github or --from-mirror DIR")
    return cache_path(sol)


def from_mirror(sol: dict, root: Path) -> bytes:
    repo = root / sol["repo"].replace("/", "+", 1) / "repo"
    gitdir = repo / ".git" if (repo / ".git").is_dir() else repo
    return subprocess.run(["git", "--git-dir", str(gitdir), "show", f"{sol['commit']}:{sol['path']}"],
                          capture_output=True, check=True, timeout=60).stdout


def from_github(sol: dict) -> bytes:
    url = f"https://raw.githubusercontent.com/{sol['repo']}/{sol['commit']}/{sol['path']}"
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Fill or verify corpus/cache/ (see the module docstring).")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--from-mirror", metavar="DIR", type=Path, help="local clones as DIR/<owner>+<name>/repo")
    src.add_argument("--from-github", action="store_true", help="raw.githubusercontent.com at the listed commit")
    args = ap.parse_args(argv)
    corpus = json.loads(CORPUS.read_text())
    CACHE.mkdir(exist_ok=True)
    for sol in corpus["solutions"]:
        if verify(sol) and (args.from_mirror or args.from_github):
            try:
                data = from_mirror(sol, args.from_mirror) if args.from_mirror else from_github(sol)
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"{sol['id']}: not fetched: {exc}")
                continue
            if hashlib.sha256(data).hexdigest() != sol["sha256"]:
                print(f"{sol['id']}: the fetched bytes do not match the listed sha256; not saved")
                continue
            cache_path(sol).write_bytes(data)
    bad = [(sol["id"], verify(sol)) for sol in corpus["solutions"] if verify(sol)]
    for sid, why in bad:
        print(f"{sid}: {why}")
    n = len(corpus["solutions"])
    print(f"{n - len(bad)} of {n} solutions cached and verified in {CACHE}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
