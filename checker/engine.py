r"""The steps behind ``check_backward``: dtypes, base calls, input mutation, probes per argument, verdicts.

float32 inputs: a function that follows its input dtype (float64 in, float64 out) is differenced in float64,
and its float32 gradient is judged with an added float32 round-off term eps32 * sqrt(#outputs) * (|R| + rms R)
(a gradient entry sums at most #outputs products, whose float32 errors add like a random walk); misses within
that term but beyond the float64 tolerance are counted as precision only. A function that computes in
float32 whatever it is given is differenced in float32 (eps32 in every tolerance).

>>> import numpy as np
>>> r = run(lambda x: x * x, lambda g, x: 2 * g * x, [np.ones(2, np.float32)], ("x",), dout=None, seed=0,
...         mode="auto", params={}, structure={}, batched=(), chunk=64, kinks="interval")
>>> r.ok, [n.key for n in r.notes]
(True, ['note.float32_in_float64', 'note.screened', 'note.strength'])
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from checker.result import EPS32, CheckResult, Note, note_mutations, read_grads
from checker.fd import Differences, Probe, differences, element_probes, step_sizes
from checker.screen import locate, screen
from checker.ties import check_groups
from checker.verdict import SAFETY, Along, ArgResult, Element, failed, judge
from derivations._validate import GradproofError

EPS64 = float(np.finfo(np.float64).eps)


def run(forward, backward, arrays, names, *, dout, seed, mode, params, structure, batched, chunk, kinks):
    t0 = time.perf_counter()
    notes: list[Note] = []
    low = any(a.dtype != np.float64 for a in arrays)
    work = [a.astype(np.float64) for a in arrays]
    raw = forward(*[a.copy() for a in work], **params)
    if isinstance(raw, (tuple, list)) and not all(isinstance(r, (int, float)) for r in raw):
        # a cs231n layer's (out, cache): differencing a cache would be a gradient-shape failure, a false story
        return _refused(Note("note.forward_tuple", (("count", len(raw)),)),
                        f"not checked: forward returned a tuple of {len(raw)} items, not the output array",
                        names, arrays, notes, mode, t0)
    out = np.asarray(raw)
    if out.dtype == np.float16:  # a step that float16 resolves is too long for a slope: no verdict at all
        return _refused(Note("note.float16"), "not checked: forward computes in float16", names, arrays, notes,
                        mode, t0)
    if out.dtype != np.float64:  # the function computes in low precision whatever it gets
        work = [a.astype(np.float32) for a in arrays]
        notes.append(Note("note.float32_roundoff", (("eps", f"{EPS32:.1e}"),)))
        follows = False
    else:
        follows = low
        if low:
            notes.append(Note("note.float32_in_float64"))
    eps = float(np.finfo(work[0].dtype).eps)
    copies = [a.copy() for a in work]
    out0 = np.asarray(forward(*copies, **params))
    mutates = note_mutations("forward", work, copies, names, notes)
    if out0.dtype.kind != "f" or not np.all(np.isfinite(out0)):
        problem = "forward returned NaN or inf" if out0.dtype.kind == "f" else f"forward returned {out0.dtype}"
        return _refused(None, problem, names, arrays, notes, mode, t0)
    # differences of a forward that draws new random numbers on every call measure noise, not slopes:
    # the same inputs twice must give the same outputs before any verdict (see ``_same``); the first call
    # above already ran on these very inputs when the function kept float64
    reused = out.dtype == work[0].dtype == np.float64
    again = out if reused else np.asarray(forward(*[a.copy() for a in work], **params))
    if not _same(out0, again, eps):
        return _refused(Note("note.nondeterministic", (("function", "forward"),)),
                        "not checked: forward is not deterministic", names, arrays, notes, mode, t0)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(out0.shape)
    dout = np.asarray(dout, dtype=work[0].dtype)
    if dout.shape != out0.shape:
        raise GradproofError(f"dout must have the output's shape {out0.shape}, got {dout.shape}")
    dcopy = dout.copy()
    copies = [a.copy() for a in work]
    grads, problems = read_grads(backward(dcopy, *copies, **params), names, [a.shape for a in arrays])
    mutates |= note_mutations("backward", work, copies, names, notes)
    mutates |= note_mutations("backward", [dout], [dcopy], ["dout"], notes)
    again, _ = read_grads(backward(dout.copy(), *[a.copy() for a in work], **params), names,
                          [a.shape for a in arrays])
    if any(g is not None and (h is None or not _same(g, h, eps)) for g, h in zip(grads, again)):
        return _refused(Note("note.nondeterministic", (("function", "backward"),)),
                        "not checked: backward is not deterministic", names, arrays, notes, mode, t0)
    if follows:  # judge what the caller's own dtype gives
        low_in = [a.copy() for a in arrays]
        grads, problems = read_grads(backward(dout.astype(arrays[0].dtype), *low_in, **params), names,
                                 [a.shape for a in arrays])

    def call(*a):
        return np.asarray(forward(*([v.copy() for v in a] if mutates else a), **params))

    if mode == "directional":
        return _directional(call, work, out0, dout, grads, problems, names, notes, eps, t0)
    extra_rel = EPS32 * np.sqrt(out0.size) if (low or eps > EPS64) else 0.0
    bidx = tuple(names.index(b) for b in batched)
    calls = 2 if reused else 3
    passed: dict[int, ArgResult] = {}
    if mode == "auto":
        passed, c = _screened(call, work, names, dout, out0, grads, problems, structure, batched, notes,
                              eps=eps, extra_rel=extra_rel, seed=seed)
        calls += c
    results = []
    for i, (name, g, problem) in enumerate(zip(names, grads, problems)):
        if problem:
            results.append(failed(name, arrays[i].shape, problem))
            continue
        if i in passed:
            results.append(passed[i])
            continue
        shape = work[i].shape
        if mode in ("auto", "compressed") and name in structure:
            # a colour already moves every sample at once: stacking samples would only add rows
            probes = structure[name].probes(shape, out0.shape, batched=False)
        else:
            if mode == "compressed":
                notes.append(Note("note.no_structure", (("arg", name),)))
            probes = element_probes(shape, batched=i in bidx and mode != "element")
        d = differences(call, work, dout, arg=i, probes=probes, batched=bidx, chunk=chunk, out0=out0)
        calls += d.calls
        res = judge(name, d, g, eps=eps, kinks=kinks, extra_rel=extra_rel,
                    strict_eps=EPS64 if follows else None)
        if kinks == "interval" and res.n_kinks >= 2 and d.touch is not None:
            res, c = _joint(res, name, call, work, dout, i, out0, d, g, eps=eps, extra_rel=extra_rel)
            calls += c
        if res.n_kinks:
            notes.append(Note("note.kinks", (("arg", name), ("count", res.n_kinks), ("policy", kinks))))
        if res.expected is not None and res.expected.size:
            # how strong the check was: an entry of typical size off by more than this would have failed
            typical = float(np.median(np.abs(res.expected)))
            if typical > 0:
                rel = f"{np.median(res.tol) / typical:.1g}"
                notes.append(Note("note.strength", (("arg", name), ("rel", rel))))
        if res.precision_only:
            notes.append(Note("note.precision_only", (("arg", name), ("count", res.precision_only))))
        results.append(res)
    ok = all(r.ok for r in results) and not mutates
    return CheckResult(ok, mode, tuple(results), tuple(notes), calls, time.perf_counter() - t0)


def _screened(call, work, names, dout, out0, grads, problems, structure, batched, notes, *, eps, extra_rel, seed):
    """``mode="auto"`` without a structure: one random direction through every such argument first (four
    calls); if it disagrees, one per argument; the arguments that pass are done, the rest go on to the
    per-element differences, which localise (``checker.screen``)."""
    which = [i for i, n in enumerate(names) if not problems[i] and n not in structure and n not in batched]
    if not which:
        return {}, 0
    rng = np.random.default_rng(None if seed is None else [int(seed), 1])
    first = screen(call, work, which, dout, out0, grads, eps=eps, rng=rng, extra_rel=extra_rel)
    looks, calls = [(which, first)], first.calls
    if not first.ok and len(which) > 1:  # which argument? one direction each
        looks = [([i], screen(call, work, [i], dout, out0, grads, eps=eps, rng=rng, extra_rel=extra_rel))
                 for i in which]
        calls += 4 * len(which)
    passed = {}
    for idx, sc in looks:
        if not sc.ok:
            if len(idx) == 1 and not sc.kinked:  # one argument off: where, by halving
                found, c = _located(call, work, idx[0], names[idx[0]], dout, out0, grads, notes, eps=eps,
                                    extra_rel=extra_rel, rng=rng)
                calls += c
                if found is not None:
                    passed[idx[0]] = found
            continue
        for i in idx:
            passed[i] = ArgResult(name=names[i], ok=True, shape=tuple(work[i].shape), worst=None, n_failed=0,
                                  eps=eps, got=np.asarray(grads[i]).reshape(work[i].shape),
                                  screen=Along(sc.got, sc.expected, sc.tol))
            notes.append(Note("note.screened", (("arg", names[i]), ("calls", sc.calls))))
            if i in sc.strength:
                notes.append(Note("note.strength", (("arg", names[i]), ("rel", f"{sc.strength[i]:.1g}"))))
    return passed, calls


def _located(call, work, i, name, dout, out0, grads, notes, *, eps, extra_rel, rng):
    """The failing argument's wrong entries by halving (``checker.screen.locate``), each then differenced
    alone; None (per-element differences everywhere) when they are many, at a kink, or not confirmed."""
    cands, calls = locate(call, work, i, dout, out0, grads, eps=eps, rng=rng, extra_rel=extra_rel)
    if cands is None:
        return None, calls
    d = differences(call, work, dout, arg=i, probes=[Probe(np.array([j]), int(j)) for j in cands], out0=out0)
    calls += d.calls
    sub = Differences(h=d.h[cands], delta=d.delta[:, cands], mag=d.mag[cands], steps=d.steps[:, cands],
                      calls=d.calls, bracket=d.bracket[:, cands])
    res = judge(name, sub, np.ravel(grads[i])[cands], eps=eps, kinks="interval", extra_rel=extra_rel)
    if res.ok or res.n_kinks:
        return None, calls
    shape = tuple(work[i].shape)
    w = res.worst
    where = tuple(int(k) for k in np.unravel_index(int(cands[w.index[0]]), shape))
    worst = Element(name, where, w.got, w.expected, w.error, w.tol, w.kink)
    notes.append(Note("note.located", (("arg", name), ("count", len(cands)), ("calls", calls))))
    # only the located entries have their own numeric value: no per-entry maps (expected, tol) to show
    return ArgResult(name=name, ok=False, shape=shape, worst=worst, n_failed=res.n_failed, eps=eps,
                     got=np.asarray(grads[i]).reshape(shape)), calls


def _joint(res, name, call, work, dout, i, out0, d, g, **opts):
    """Add the joint check of tied entries (``checker.ties``) to an argument's verdict."""
    ties, calls = check_groups(name, call, work, dout, arg=i, out0=out0, d=d, got=np.ravel(g), judge=judge,
                               kinked=res.kinked.ravel(), kinks="interval", **opts)
    if not ties:
        return res, calls
    bad = [t for t in ties if not t.ok]
    newly = {m for t in bad for m in t.members} - set(zip(*np.nonzero(res.ratio > 1))) if bad else set()
    pats = res.patterns + (("ties-whole",) if any(t.whole for t in bad) else ("ties-sum",) if bad else ())
    return replace(res, ok=res.ok and not bad, ties=ties, n_failed=res.n_failed + len(newly), patterns=pats), calls


def _same(a, b, eps: float) -> bool:
    """Equal up to a few units of round-off: a forward summing in a thread-dependent order may differ there
    (and the tolerances absorb that), a random mask or a fresh noise draw differs by the values themselves."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False
    scale = np.abs(a) + (float(np.sqrt(np.mean(a * a))) if a.size else 0.0)
    return bool(np.all(np.abs(a - b) <= 16 * eps * scale))


def _refused(note, problem, names, arrays, notes, mode, t0):
    """No verdict: every argument fails with ``problem``, and ``note`` (if any) says what to fix."""
    if note is not None:
        notes.append(note)
    return CheckResult(False, mode, tuple(failed(n, a.shape, problem) for n, a in zip(names, arrays)),
                       tuple(notes), 1, time.perf_counter() - t0)


def _directional(call, work, out0, dout, grads, problems, names, notes, eps, t0):
    """One random direction v through all inputs: d/dt L(x + t h v) against sum_k <g_k, h_k v_k>."""
    if any(problems):
        res = tuple(failed(n, a.shape, p) if p else failed(n, a.shape, "not checked") for n, a, p in
                    zip(names, work, problems))
        return CheckResult(False, "directional", res, tuple(notes), 2, time.perf_counter() - t0)
    rng = np.random.default_rng(12345)
    vs = [rng.standard_normal(a.shape).astype(a.dtype) for a in work]
    hs = [float(np.mean(step_sizes(a, eps=eps))) for a in work]
    analytic = sum(h * float(np.sum(g * v)) for h, g, v in zip(hs, grads, vs))
    delta = []
    for t in (1.0, -1.0, 2.0, -2.0):
        out = call(*[a + t * h * v for a, h, v in zip(work, hs, vs)])
        delta.append(float(np.sum((out - out0) * dout)))
    d1, d2 = (delta[0] - delta[1]) / 2, (delta[2] - delta[3]) / 4
    r = d1 + (d1 - d2) / 3
    tol = SAFETY * (abs(d1 - d2) / 3 + eps * float(np.sum(np.abs(out0 * dout)))) + 4 * eps * (abs(r) + abs(analytic))
    ok = abs(analytic - r) <= tol
    notes.append(Note("note.directional"))
    return CheckResult(ok, "directional", (), tuple(notes), 6, time.perf_counter() - t0, (analytic, r, tol))
