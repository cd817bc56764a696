"""The student template of an interface (its selfcheck.py: ``selfcheck_template``; Gradescope: ``gradescope``).

>>> "raise NotImplementedError" in student_template("cs231n")
True
"""
from __future__ import annotations

from pathlib import Path

from derivations._validate import GradproofError
from .interfaces import get_interface
from .selfcheck_template import write_selfcheck

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
    if iface.template:
        return iface.template
    out = [_HEADER.format(title=iface.title, module=iface.module, interface=interface)]
    for f in iface.functions:
        out.append(f'\n\ndef {f.name}({f.signature}):\n    """{f.doc}."""\n'
                   f'    raise NotImplementedError("{f.name} is not written yet")\n')
    return "".join(out)


def write_template(folder, interface: str) -> list:
    """Write the student template and its selfcheck.py into ``folder``; refuses to overwrite either."""
    folder = Path(folder)
    target = folder / get_interface(interface).module
    for existing in (target, folder / "selfcheck.py"):
        if existing.exists():
            raise GradproofError(f"dir already holds {existing.name}; not overwriting it: {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(student_template(interface), encoding="utf-8")
    if get_interface(interface).template:
        return [target]   # class-style layers: the self-check publishes cases of functions only
    return [target, write_selfcheck(folder, interface)]
