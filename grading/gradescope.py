"""The Gradescope autograder package, built from whatever gradproof is installed (no checkout needed).

``write_package`` writes ``setup.sh``, ``run_autograder``, a wheel of the installed gradproof,
``requirements.lock`` (the exact versions of its dependencies installed here, so a case drawn on the
instructor's machine is the case drawn on Gradescope), the ``--weights`` file if any, and
``autograder.zip`` holding them all, ready to upload. The wheel is packed from the installed modules
themselves (``build_wheel``): an installed gradproof has no pyproject.toml to build from, and packing
needs neither a build backend nor the network. Both scripts read ``GRADPROOF_AUTOGRADER_ROOT``
(default ``/autograder``, or ``--autograder-root``), so the whole run can be rehearsed in a folder.

>>> "results/results.json" in run_autograder("native", ["--timeout", "10"])
True
>>> "apt-get update" in setup_sh("gradproof-0.1.0-py3-none-any.whl")
True
"""
from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata as md
import re
import shlex
import sys
import zipfile
from pathlib import Path

from derivations._validate import GradproofError
from . import GRADER_PACKAGES
from .interfaces import get_interface

DIST = "gradproof"
SCRIPTS = ("setup.sh", "run_autograder")


def _dist_files() -> list[tuple[str, Path]]:
    """(path inside the wheel, file on disk) of every module of the installed gradproof."""
    out = []
    for pkg in GRADER_PACKAGES:
        root = Path(importlib.import_module(pkg).__file__).parent
        for f in sorted(root.rglob("*")):
            rel = f.relative_to(root)
            if f.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts) \
                    and f.suffix not in (".pyc", ".pyo"):
                out.append((f"{pkg}/{rel.as_posix()}", f))
    cli = Path(importlib.import_module("cli").__file__)
    out.append(("cli.py", cli))
    return out


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder) -> Path:
    """A py3-none-any wheel of the installed gradproof, written into ``folder``; returns its path.

    Metadata (version, Requires-Python, Requires-Dist) are those of the installed distribution.
    """
    meta = md.metadata(DIST)
    version = meta["Version"]
    info = f"{DIST}-{version}.dist-info"
    lines = ["Metadata-Version: 2.1", f"Name: {DIST}", f"Version: {version}"]
    if meta.get("Summary"):
        lines.append(f"Summary: {meta['Summary']}")
    if meta.get("Requires-Python"):
        lines.append(f"Requires-Python: {meta['Requires-Python']}")
    lines += [f"Requires-Dist: {r}" for r in (md.requires(DIST) or [])]
    extra = {f"{info}/METADATA": "\n".join(lines) + "\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: gradproof\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
             f"{info}/entry_points.txt": "[console_scripts]\ngradproof = cli:main\n",
             f"{info}/top_level.txt": "\n".join([*GRADER_PACKAGES, "cli"]) + "\n"}
    target = Path(folder) / f"{DIST}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as whl:
        for name, path in _dist_files():
            data = path.read_bytes()
            whl.writestr(name, data)
            record.append(_record_line(name, data))
        for name, text in extra.items():
            whl.writestr(name, text)
            record.append(_record_line(name, text.encode()))
        record.append(f"{info}/RECORD,,")
        whl.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return target


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0)


def lock() -> list[str]:
    """``name==version`` for every installed distribution gradproof needs to run, its own extras left out.

    A requirement with an environment marker other than an extra (e.g. a Python-version backport) is
    pinned when it is installed here and left out when it is not (this environment did not need it).
    """
    pins, todo, seen = {}, [DIST], set()
    while todo:
        name = todo.pop()
        for req in md.requires(name) or []:
            if "extra" in req.partition(";")[2]:
                continue
            dep = _name(req)
            key = dep.lower().replace("_", "-")
            if key in seen:
                continue
            seen.add(key)
            try:
                pins[key] = md.version(dep)
            except md.PackageNotFoundError:
                if ";" in req:
                    continue
                raise GradproofError(f"gradproof needs {dep}, which is not installed: cannot pin it") from None
            todo.append(dep)
    return [f"{k}=={v}" for k, v in sorted(pins.items())]


def setup_sh(wheel: str, root: str = "/autograder") -> str:
    """Gradescope's setup.sh: a venv with the wheel and the pinned dependencies, the grader closed to others."""
    py = "%d.%d" % sys.version_info[:2]
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. Any failure stops it (set -e).
set -euo pipefail
ROOT="${{GRADPROOF_AUTOGRADER_ROOT:-{root}}}"
SRC="$ROOT/source"
# python3 with venv, from the distribution's packages only when missing (the package lists first)
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip
fi
if [ "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "{py}" ]; then
    echo "setup.sh: requirements.lock was made with Python {py}; this image has $(python3 --version)." \\
         "Pick a base image with Python {py} if the pinned versions do not install." >&2
fi
python3 -m venv "$ROOT/venv"
# the exact versions the instructor's grader ran with: the same cases, the same verdicts
"$ROOT/venv/bin/python" -m pip install --no-input --constraint "$SRC/requirements.lock" "$SRC/{wheel}"
# the grader's code holds the reference answers: readable by root (the grader) only, in both copies
chmod -R go-rwx "$SRC"
cd / && "$ROOT/venv/bin/python" -I -c 'import importlib, os; names = "{' '.join(GRADER_PACKAGES)}".split(); \\
print(*(os.path.dirname(importlib.import_module(n).__file__) for n in names), sep=chr(10))' \\
    | xargs -d '\\n' chmod -R go-rwx
"""


def run_autograder(interface: str, options: list[str], root: str = "/autograder", weights: bool = False) -> str:
    """Gradescope's run_autograder: grade the one submission and write results/results.json.

    ``weights``: pass the package's weights.json as ``--weights``.
    """
    get_interface(interface)
    opts = " ".join(shlex.quote(o) for o in options) + (' --weights "$ROOT/source/weights.json"' if weights else "")
    return f"""#!/usr/bin/env bash
# Gradescope runs one container per submission: this grades exactly one. A failure of the grader itself
# ends this script with its exit status and message (Gradescope shows both), never a made-up score.
set -euo pipefail
ROOT="${{GRADPROOF_AUTOGRADER_ROOT:-{root}}}"
mkdir -p "$ROOT/results"
cd "$ROOT"
"$ROOT/venv/bin/gradproof" grade "$ROOT/submission" --single --interface {interface} --format gradescope \\
    -o "$ROOT/results/results.json" {opts}
"""


def write_package(folder, interface: str, *, options: list[str] = (), weights_file=None,
                  root: str = "/autograder", force: bool = False) -> list[Path]:
    """Write the autograder files and autograder.zip into ``folder``; refuses to overwrite without ``force``.

    ``options`` are ``grade`` options carried into run_autograder; ``weights_file`` is copied in as
    weights.json and passed as ``--weights``.
    """
    folder = Path(folder)
    names = [*SCRIPTS, "requirements.lock", "weights.json", "autograder.zip"]
    old = [folder / n for n in names if (folder / n).exists()] + sorted(folder.glob(f"{DIST}-*.whl"))
    if old and not force:
        raise GradproofError(f"dir already holds {', '.join(p.name for p in old)}; not overwriting hand edits "
                         f"without --force: {str(folder)!r}")
    for p in old:
        p.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    options = list(options)
    files = [build_wheel(folder)]
    (folder / "requirements.lock").write_text(
        f"# gradproof's dependencies as installed where this package was built (Python "
        f"{sys.version.split()[0]}); setup.sh installs exactly these\n" + "\n".join(lock()) + "\n")
    files.append(folder / "requirements.lock")
    if weights_file is not None:
        (folder / "weights.json").write_bytes(Path(weights_file).read_bytes())
        files.append(folder / "weights.json")
    for name, body in (("setup.sh", setup_sh(files[0].name, root)),
                       ("run_autograder", run_autograder(interface, options, root, weights_file is not None))):
        (folder / name).write_text(body)
        (folder / name).chmod(0o755)
        files.append(folder / name)
    with zipfile.ZipFile(folder / "autograder.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            info = zipfile.ZipInfo(f.name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if f.name in SCRIPTS else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, f.read_bytes())
    return files + [folder / "autograder.zip"]
