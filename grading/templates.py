"""Files the grader writes for people: the student template of an interface, the Gradescope autograder.

>>> "raise NotImplementedError" in student_template("cs231n")
True
>>> "results.json" in run_autograder("native")
True
"""
from __future__ import annotations

from . import GRADER_PACKAGES
from .interfaces import get_interface

_SIGNATURES = {
    "conv_forward_naive": "x, w, b, conv_param", "conv_backward_naive": "dout, cache",
    "max_pool_forward_naive": "x, pool_param", "max_pool_backward_naive": "dout, cache",
    "xcorr2d": "a, k", "rot180": "k", "full_conv2d": "g, k", "meanpool_backward2d": "g, kh, kw",
    "maxpool_backward2d": "g, a, kh, kw, stride", "conv_forward": "x, w, b, stride, pad",
    "conv_backward": "dout, x, w, stride, pad", "maxpool_forward": "x, kh, kw, stride",
    "maxpool_backward": "dout, x, kh, kw, stride",
}

_HEADER = '''"""{title}

Fill in every function below; keep the names and signatures. Shapes: x (N, C, H, W) batch, channels,
height, width; w (F, C, HH, WW) filters; b (F,). Output size of a convolution or pooling window:

    H' = 1 + (H + 2 * pad - HH) // stride        (the same for W' with WW)

Check your work with the self-check handed out beside this file (numpy only; nothing is uploaded):

    python selfcheck.py {module}

It compares each forward with published outputs on fixed inputs and each backward with finite
differences of your own forward. The grader runs many more cases ({interface} interface).

Rules: use numpy only (autodiff frameworks and the grader's own packages cannot be imported); do not
modify the arrays you are given (copy them first); return floating-point numpy arrays.
"""
import numpy as np
'''


def student_template(interface: str) -> str:
    """The source of the template file a student fills in."""
    iface = get_interface(interface)
    title = {"cs231n": "Convolution and max-pooling layers, forward and backward (cs231n interface).",
             "native": "Convolution and pooling, from 2-D building blocks to batched layers (gradproof interface)."}
    out = [_HEADER.format(title=title[interface], module=iface.module, interface=interface)]
    for f in iface.functions:
        out.append(f'\n\ndef {f.name}({_SIGNATURES[f.name]}):\n    """{f.doc}."""\n'
                   f'    raise NotImplementedError("{f.name} is not written yet")\n')
    return "".join(out)


def setup_sh() -> str:
    """Gradescope's setup.sh: install gradproof from the copy shipped in the autograder zip.

    Then both copies of the grader (the shipped source, which run_autograder runs, and the installed
    packages) are made readable by root alone: they hold the reference answers, and a sandbox child
    (its own uid) that removes the import blocker is then stopped by the files' permissions.
    """
    return ("#!/usr/bin/env bash\nset -euo pipefail\n"
            "apt-get install -y python3 python3-pip >/dev/null 2>&1 || true\n"
            "pip3 install /autograder/source/gradproof\n"
            "# the grader's code holds the reference answers: readable by root (the grader) only\n"
            "chmod -R go-rwx /autograder/source/gradproof\n"
            f"cd / && python3 -I -c 'import importlib, os; names = \"{' '.join(GRADER_PACKAGES)}\".split(); "
            "print(*(os.path.dirname(importlib.import_module(n).__file__) for n in names), sep=chr(10))' "
            "| xargs -d '\\n' chmod -R go-rwx\n")


def run_autograder(interface: str) -> str:
    """Gradescope's run_autograder: grade the one submission and write results/results.json."""
    get_interface(interface)
    return ("#!/usr/bin/env bash\n"
            "# Gradescope runs one container per submission: this grades exactly one.\n"
            "cd /autograder/source/gradproof\n"
            f"python3 cli.py grade /autograder/submission --single --interface {interface} "
            "--format gradescope -o /autograder/results/results.json\n")


def write_template(folder, interface: str) -> list:
    """Write the student template and its selfcheck.py into ``folder``; refuses to overwrite either."""
    from pathlib import Path

    from .selfcheck_template import write_selfcheck

    folder = Path(folder)
    target = folder / get_interface(interface).module
    for existing in (target, folder / "selfcheck.py"):
        if existing.exists():
            raise ValueError(f"dir already holds {existing.name}; not overwriting it: {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(student_template(interface), encoding="utf-8")
    return [target, write_selfcheck(folder, interface)]


def write_gradescope(folder, interface: str, project_root) -> list:
    """setup.sh, run_autograder and a copy of gradproof under ``folder/gradproof``: zip the folder's contents."""
    import shutil
    from pathlib import Path

    folder, root = Path(folder), Path(project_root)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, body in (("setup.sh", setup_sh()), ("run_autograder", run_autograder(interface))):
        (folder / name).write_text(body, encoding="utf-8")
        (folder / name).chmod(0o755)
        out.append(folder / name)
    dest = folder / "gradproof"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for pkg in GRADER_PACKAGES:
        shutil.copytree(root / pkg, dest / pkg, ignore=ignore, dirs_exist_ok=True)
    for name in ("cli.py", "pyproject.toml", "README.md"):
        shutil.copy2(root / name, dest / name)
    out.append(dest)
    return out
