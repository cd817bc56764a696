"""A student's selfcheck.py: standalone (numpy only), no reference code, handed out with the template.

A forward is checked against its outputs on a few fixed inputs that the file publishes, as course
notebooks do; those outputs are computed here, by the grader's references, when the file is written.
A backward is checked against central finite differences of the student's own forward, so no gradient
rule is written down anywhere in the file. The checking code is ``selfcheck_runtime.py``, copied in.

>>> src = selfcheck_source("cs231n")
>>> "import gradproof" in src or "from checker" in src, "conv_backward_naive" in src
(False, True)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from derivations._validate import GradproofError
from .configs import ConvConfig, PoolConfig
from .interfaces import get_interface
from .spec import ROLES

# Few, small cases, each there for a bug class the grader also looks for: pad 0 (crops by a constant),
# stride 2 with pad 1 and N = 2 (sums over the batch), non-square shapes, a stride that does not divide the
# input, pad 2, an output that is not square; for pooling overlapping windows (= instead of +=) and a stride unlike the window.
CONV_CASES = (ConvConfig(1, 1, 4, 4, 1, 3, 3, label="x 1x1x4x4, w 1x1x3x3, stride 1, pad 0"),
              ConvConfig(2, 3, 5, 5, 2, 3, 3, stride=2, pad=1, label="x 2x3x5x5, w 2x3x3x3, stride 2, pad 1"),
              ConvConfig(2, 2, 5, 4, 3, 3, 2, stride=2, pad=1, label="x 2x2x5x4, w 3x2x3x2, stride 2, pad 1"),
              ConvConfig(1, 2, 6, 6, 2, 5, 5, stride=1, pad=2, label="x 1x2x6x6, w 2x2x5x5, stride 1, pad 2"),
              # an output with H' != W' (3x4): a flattened output indexed with H' where W' belongs passes
              # every square one (found in public solutions; the grader has such cases too)
              ConvConfig(2, 2, 5, 7, 3, 3, 3, stride=2, pad=1, label="x 2x2x5x7, w 3x2x3x3, stride 2, pad 1"))
POOL_CASES = (PoolConfig(1, 1, 4, 4, 2, 2, 2, label="x 1x1x4x4, 2x2 window, stride 2"),
              PoolConfig(2, 1, 4, 5, 2, 2, 1, label="x 2x1x4x5, 2x2 window, stride 1 (overlapping)"),
              PoolConfig(1, 2, 5, 5, 3, 3, 2, label="x 1x2x5x5, 3x3 window, stride 2 (overlapping)"),
              PoolConfig(2, 2, 7, 6, 3, 2, 2, label="x 2x2x7x6, 3x2 window, stride 2"))
SEED = 2026
# Convolution is linear in x, w and b, so any step is exact: a large one keeps a float32 forward's
# rounding (divided by 2h) small. Pooling inputs are rounded to 2 decimals from a grid with gaps of
# 0.1, so two entries of a window are at least 0.09 apart; a step of 0.02 never changes an argmax.
STEP = {"conv": 0.5, "pool": 0.02}


def _arrays(spec, cfg) -> dict[str, np.ndarray]:
    """The case's inputs rounded to 2 decimals (short literals that every student parses to the same floats)."""
    return {k: np.round(v, 2) for k, v in spec.inputs(cfg, SEED).items()}


def _label(cfg, arrays) -> str:
    """A 2-D case in words: its arrays' shapes (and the pooling window), e.g. 'a 4x4, k 3x3'."""
    words = [f"{k} {'x'.join(map(str, v.shape))}" for k, v in arrays.items()]
    if isinstance(cfg, PoolConfig):
        words.append(f"{cfg.pool_h}x{cfg.pool_w} window, stride {cfg.stride}")
    return ", ".join(words)


def _bounds(spec, cfg, arrays, h) -> tuple[int, float]:
    """(K, scale): outputs are sums of at most K terms whose absolute values add up to at most scale.

    For a function whose outputs are sums of products of inputs (``Role.by_abs``: convolutions; rot180
    selects one input, bounded the same way) the sum of |terms| of each output is the function of the
    absolute values (inputs widened by the finite-difference step); the others add at most one window's
    worth of entries.
    """
    big = {k: np.abs(v) + h for k, v in arrays.items()}
    if ROLES[spec.role].by_abs:
        kernel = arrays.get("w", arrays.get("k"))
        ref = spec.reference(cfg, big)
        return int(kernel[0].size if kernel.ndim == 4 else kernel.size) + 1, float(np.max(ref[0]))
    window = cfg.pool_h * cfg.pool_w
    return window, float(window * max(np.max(v) for v in big.values()))


def _checks(iface) -> tuple[dict, list]:
    """The published cases (by key) and the list of checks that use them."""
    cases, checks = {}, []
    for spec in iface.functions:
        family = CONV_CASES if spec.family == "conv" else POOL_CASES
        h = STEP[spec.family]
        for n, cfg in enumerate(family):
            # a layer's cases are shared by its family; a 2-D function on one channel has its own arrays
            key = f"{spec.name if ROLES[spec.role].plane else spec.family}{n + 1}"
            if spec.role == "mean2d" and (cfg.H % cfg.pool_h or cfg.W % cfg.pool_w or cfg.stride != cfg.pool_h):
                continue  # mean-pool backward is asked for non-overlapping windows that tile the input
            if key not in cases:
                arrays = _arrays(spec, cfg)
                cases[key] = {"label": cfg.label if key.startswith(spec.family) else _label(cfg, arrays),
                              "arrays": arrays}
            arrays = cases[key]["arrays"]
            chk = {"function": spec.name, "case": key, "args": spec.args(cfg), "nout": spec.nout,
                   "parts": list(spec.parts)}
            if spec.forward:
                fwd = iface.function(spec.forward)
                terms, scale = _bounds(fwd, cfg, arrays, h)
                chk.update(kind="gradient", wrt=list(spec.wrt), h=h, terms=terms, scale=scale,
                           forward={"function": fwd.name, "args": fwd.args(cfg), "nout": fwd.nout})
                if spec.cache is not None:
                    chk.update(cache=True, args=spec.args(cfg) + [{"c": 1}])
            else:
                terms, scale = _bounds(spec, cfg, arrays, 0.0)
                chk.update(kind="expected", terms=terms, scale=scale,
                           expected=[np.asarray(r, dtype=np.float64) for r in spec.reference(cfg, arrays)])
            checks.append(chk)
    return cases, checks


def _literal(value, indent: int = 0) -> str:
    """Python source for ``value``: arrays as A(shape, [...]) with every float in full."""
    pad = " " * indent
    if isinstance(value, np.ndarray):
        nums = [repr(float(v)) for v in value.ravel()]
        lines, line = [], ""
        for s in nums:
            if len(line) + len(s) > 90:
                lines.append(line)
                line = ""
            line += s + ", "
        lines.append(line)
        body = ("\n" + pad + "    ").join(x.rstrip() for x in lines).rstrip(",")
        return f"A({tuple(value.shape)!r}, [\n{pad}    {body}])"
    if isinstance(value, dict):
        inner = ",\n".join(f"{pad}    {k!r}: {_literal(v, indent + 4)}" for k, v in value.items())
        return "{\n" + inner + ",\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, np.ndarray) for v in value):
        return "[" + ", ".join(_literal(v, indent) for v in value) + "]"
    return repr(value)


def selfcheck_source(interface: str) -> str:
    """The text of selfcheck.py for ``interface``: header, checking code, published data, entry point."""
    iface = get_interface(interface)
    runtime = Path(__file__).with_name("selfcheck_runtime.py").read_text(encoding="utf-8")
    code = runtime.split("# --- selfcheck.py starts here ---\n", 1)[1]
    cases, checks = _checks(iface)
    header = (f'"""Check your {iface.module} before you hand it in: python selfcheck.py [FILE]\n\n'
              f"FILE defaults to the {iface.module} beside this script. Needs numpy only. Each forward is compared with\n"
              "its outputs on the fixed inputs published at the end of this file; each backward with central\n"
              "finite differences of YOUR forward (so a backward is judged against the forward you wrote).\n"
              "Exit status 0 when every check passes. The grader runs many more cases, chosen to expose the\n"
              "known mistakes; this file holds no reference solution.\n"
              '"""\n')
    data = [f"\n\n# --- published data (generated; do not edit) {'-' * 50}\nMODULE = {iface.module!r}\n",
            "CASES = {\n" + "".join(f"    {k!r}: {_literal(v, 4)},\n" for k, v in cases.items()) + "}\n",
            "CHECKS = [\n" + "".join(f"    {_literal(c, 4)},\n" for c in checks) + "]\n",
            '\n\nif __name__ == "__main__":\n    sys.exit(main(sys.argv[1:]))\n']
    return header + code + "".join(data)


def write_selfcheck(folder, interface: str) -> Path:
    """Write selfcheck.py into ``folder``; refuses to overwrite an existing one."""
    target = Path(folder) / "selfcheck.py"
    if target.exists():
        raise GradproofError(f"dir already holds selfcheck.py; not overwriting it: {str(folder)!r}")
    Path(folder).mkdir(parents=True, exist_ok=True)
    target.write_text(selfcheck_source(interface), encoding="utf-8")
    return target
