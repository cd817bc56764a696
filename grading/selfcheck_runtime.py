"""The checking code of a student's selfcheck.py: numpy only, no reference implementation.

``selfcheck_template.selfcheck_source`` copies the text below the marker line into the generated file
and appends the published data (fixed inputs, expected forward outputs, error bounds); this module is
never imported by the grader. A forward is compared with the published outputs; a backward with
central finite differences of the student's own forward, so no right gradient is ever written down.

Every tolerance is an error bound, not a guess. Higham's bound for a computed sum of K terms in unit
roundoff u (u = 2**-53 in float64, 2**-24 in float32) is |computed - exact| <= gamma_K * sum|terms|,
gamma_K = K u / (1 - K u); the generator publishes K ("terms") and a bound on sum|terms| ("scale") for
every output of a case, computed from the absolute values of its inputs.
"""
# --- selfcheck.py starts here ---
import copy
import importlib.util
import sys
from pathlib import Path

import numpy as np


def A(shape, values):
    """A published array: float64 values given in full, row-major."""
    return np.array(values, dtype=np.float64).reshape(shape)


def gamma(k, u):
    """Higham's gamma_k: the relative error bound of a sum of k terms rounded with unit roundoff u."""
    return k * u / (1 - k * u)


def roundoff(*arrays):
    """The unit roundoff of the least precise floating array returned (float64: 2**-53)."""
    u = 2.0 ** -53
    for a in arrays:
        if np.issubdtype(a.dtype, np.floating):
            u = max(u, float(np.finfo(a.dtype).eps) / 2)
    return u


class Failed(Exception):
    """One check failed: the message says what, on which case, and by how much."""


def load(path):
    """The student's module, loaded by path (its folder first on sys.path, for helper files beside it)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise SystemExit(f"selfcheck: no file {path} (give the path of your solution: python selfcheck.py FILE)")
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("student_solution", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:  # a syntax error or a failing import: the student's to fix, said in one line
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) else ""
        raise SystemExit(f"selfcheck: {path.name} could not be loaded{where}: {type(exc).__name__}: {exc}") from None
    return mod


def call(mod, name, items, arrays, nout, cache=None):
    """Call the student's ``name`` on copies of the case's arrays; return its values as a tuple.

    Raises Failed if it is missing, raises, returns the wrong number of values or changes an input.
    """
    fn = getattr(mod, name, None)
    if fn is None:
        raise Failed(f"{name} is not defined in your file")
    args, given = [], []
    for item in items:
        if "a" in item:
            args.append(arrays[item["a"]].copy())
            given.append((item["a"], arrays[item["a"]], args[-1]))
        elif "c" in item:
            args.append(cache)
        else:
            args.append(copy.deepcopy(item["v"]))
    try:
        res = fn(*args)
    except NotImplementedError:
        raise Failed(f"{name} is not written yet (it raises NotImplementedError)") from None
    except Exception as exc:  # the student's bug, reported as a failed check with its message
        raise Failed(f"{name} raised {type(exc).__name__}: {exc}") from None
    for arg_name, original, passed in given:
        if not np.array_equal(original, passed):
            raise Failed(f"{name} changed its argument {arg_name}; copy an array before writing into it")
    if nout == 1:
        return (res,)
    if not isinstance(res, (tuple, list)) or len(res) != nout:
        got = f"a {type(res).__name__} of {len(res)} values" if isinstance(res, (tuple, list)) else type(res).__name__
        raise Failed(f"{name} should return {nout} values, got {got}")
    return tuple(res)


def as_result(name, part, value, shape):
    """The student's value as a float64 array of the right shape (its own dtype decides the roundoff)."""
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.number):
        raise Failed(f"{name} returned {part} of type {arr.dtype}, not numbers")
    if arr.shape != tuple(shape):
        raise Failed(f"{name} returned {part} of shape {arr.shape}, expected {tuple(shape)}")
    return arr


def compare(what, mine, want, tol, case, source="expected"):
    """Raise Failed naming the worst entry if any |mine - want| > tol (tol: a scalar or per entry)."""
    err = np.abs(np.asarray(mine, dtype=np.float64) - want)
    over = err - tol
    if np.all(over <= 0):
        return
    i = np.unravel_index(int(np.argmax(over)), err.shape)
    tol_i = tol if np.ndim(tol) == 0 else np.asarray(tol)[i]
    raise Failed(f"{what} is wrong on the case {case}: {int(np.sum(over > 0))} of {err.size} entries off; "
                 f"worst at index {tuple(int(k) for k in i)}: yours {float(np.asarray(mine)[i]):.6g}, "
                 f"{source} {float(want[i]):.6g} (allowed error {float(tol_i):.2g})")


def check_expected(mod, chk):
    """A function's outputs on a published input against the published outputs."""
    arrays = CASES[chk["case"]]["arrays"]
    res = call(mod, chk["function"], chk["args"], arrays, chk["nout"])
    for j, part in enumerate(chk["parts"]):
        want = chk["expected"][j]
        mine = as_result(chk["function"], part, res[j], want.shape)
        # our published value and yours are both within gamma_K * scale of the exact value; +2 terms for the
        # rounding of the inputs to your dtype and of each product
        tol = (gamma(chk["terms"] + 2, roundoff(mine)) + gamma(chk["terms"] + 2, 2.0 ** -53)) * chk["scale"]
        compare(f"{chk['function']}: {part}", mine, want, tol, CASES[chk["case"]]["label"])


def forward_out(mod, fwd, arrays):
    """Your forward's first value (its output) on ``arrays``, as float64, and its dtype's roundoff."""
    out = np.asarray(call(mod, fwd["function"], fwd["args"], arrays, fwd["nout"])[0])
    return out.astype(np.float64), roundoff(out)


def check_gradient(mod, chk):
    """A backward against central differences of the student's own forward, entry by entry."""
    case = CASES[chk["case"]]
    arrays, fwd, h = case["arrays"], chk["forward"], chk["h"]
    cache = None
    if chk.get("cache"):
        cache = call(mod, fwd["function"], fwd["args"], arrays, fwd["nout"])[1]
    res = call(mod, chk["function"], chk["args"], arrays, chk["nout"], cache=cache)
    dout = arrays["dout"]
    l1 = float(np.sum(np.abs(dout)))
    for j, (part, wrt) in enumerate(zip(chk["parts"], chk["wrt"])):
        mine = as_result(chk["function"], part, res[j], arrays[wrt].shape)
        fd, u = np.zeros(arrays[wrt].shape), roundoff(mine)
        for i in np.ndindex(fd.shape):
            plus, minus = dict(arrays), dict(arrays)
            plus[wrt], minus[wrt] = arrays[wrt].copy(), arrays[wrt].copy()
            plus[wrt][i] += h
            minus[wrt][i] -= h
            (op, u1), (om, u2) = forward_out(mod, fwd, plus), forward_out(mod, fwd, minus)
            if op.shape != dout.shape:
                raise Failed(f"{fwd['function']} returned an output of shape {op.shape}, expected {dout.shape}")
            u = max(u, u1, u2)
            # the outputs are differenced entry by entry before the dot with dout, so entries the step
            # does not reach cancel exactly
            fd[i] = float(np.sum((op - om) * dout)) / (2 * h)
        # Convolution is linear in each of x, w and b, and max pooling is linear between ties (the published
        # inputs have no two entries of a window within 2h), so the central difference has no truncation
        # error: what remains is rounding. Each output of f(x + h) and f(x - h) is off by at most
        # e = gamma_(K+2) * scale, so the difference quotient by at most sum|dout| * e / h; your backward's
        # own sums (at most dout.size + K terms, each |dout| times an input entry) by
        # gamma_(n) * sum|dout| * max(1, max|input| + h).
        e = gamma(chk["terms"] + 2, u) * chk["scale"]
        big = max([1.0] + [float(np.max(np.abs(a))) + h for a in arrays.values()])
        tol = l1 * e / h + gamma(dout.size + chk["terms"] + 2, u) * l1 * big
        compare(f"{chk['function']}: {part} (against finite differences of your {fwd['function']})", mine, fd,
                tol, case["label"], source="finite differences")


def main(argv):
    """Run every check; print one line per check and the failing case; exit status 1 if any failed."""
    path = argv[0] if argv else Path(__file__).with_name(MODULE)
    mod = load(path)
    failed_forwards, failures = set(), 0
    for chk in CHECKS:
        title = f"{chk['function']} [{CASES[chk['case']]['label']}]"
        try:
            (check_gradient if chk["kind"] == "gradient" else check_expected)(mod, chk)
        except Failed as exc:
            failures += 1
            if chk["kind"] == "expected":
                failed_forwards.add(chk["function"])
            print(f"FAIL {title}\n     {exc}")
            fwd = chk.get("forward", {}).get("function")
            if fwd in failed_forwards:
                print(f"     (your {fwd} failed its own check: fix it first; finite differences of a wrong "
                      f"forward are not a fair test of its backward)")
            continue
        print(f"ok   {title}")
    total = len(CHECKS)
    print(f"\n{total - failures} of {total} checks passed." + ("" if failures else " All checks passed."))
    print("(The grader runs many more cases than these; passing here is a good sign, not a guarantee.)")
    return 1 if failures else 0
