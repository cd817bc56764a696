"""The result channel of a sandbox child, read as hostile input: frames of ``.npy`` arrays and text.

A child writes one frame per call: ``GPF1 {json}\\n`` and then the ``.npy`` bytes of the arrays the
header names. Nothing in it is trusted: a frame must answer a call that was asked, once, with only
the arrays that call returns, plain numeric arrays of bounded rank; headers and text are bounded and
lose their control characters before any report sees them.
"""
from __future__ import annotations

import io
import json
import signal
from dataclasses import dataclass, field

import numpy as np

from ._child import SANDBOX_FAILED


@dataclass
class ChildRun:
    """What came back: arrays and error text per call index, plus how the child ended."""

    results: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    fatal: str | None = None      # import failure, timeout, crash: the calls without a frame fail with it
    output: str = ""
    seconds: float = 0.0


MAX_NDIM = 8              # results are at most 4-D; a few more leaves room for a student's odd shape
MAX_ERROR_CHARS = 4000    # a traceback's last line is what the report shows; 20 MB of it is a flood
MAX_HEAD_BYTES = 1 << 16  # one frame's JSON header


def expected_names(calls: list[dict]) -> list[set]:
    """The array names a child may send back for each call: its returned values and its input arrays."""
    out = []
    for call in calls:
        names = {f"r{j}" for j in call.get("keep", range(call["nout"]))}
        stack = list(call["args"])
        while stack:
            item = stack.pop()
            if "a" in item:
                names.add(f"in.{item['a']}")
            stack += item.get("t", [])
        out.append(names)
    return out


def _array(blob: bytes) -> np.ndarray:
    """One returned array, refused unless it is a plain numeric array of bounded rank."""
    a = np.load(io.BytesIO(blob), allow_pickle=False)
    if not isinstance(a, np.ndarray) or a.dtype.fields is not None or a.dtype.subdtype is not None \
            or a.dtype.kind not in "biufc":
        raise ValueError(f"not a plain numeric array (dtype {str(a.dtype)[:60]})")
    if a.ndim > MAX_NDIM:
        raise ValueError(f"{a.ndim} dimensions (at most {MAX_NDIM})")
    return a


def _parse(stream: bytes, run: ChildRun, expected: list[set] | None = None) -> None:
    """Split the result stream into frames; anything malformed ends the parse (and costs only the child).

    Everything here is hostile: a frame must name a call that exists, once, and only the arrays that
    call may return (``expected``); headers, error text and array kinds are bounded before use, so
    a submission cannot make the grader spend memory or time it does not spend on an honest one.
    """
    pos, index, seen = 0, -2, set()
    while pos < len(stream):
        end = stream.find(b"\n", pos, pos + 5 + MAX_HEAD_BYTES)
        if not stream.startswith(b"GPF1 ", pos) or end < 0:
            break
        try:
            head = json.loads(stream[pos + 5 : end])
            index, error, listed = int(head["i"]), head.get("error"), head["arrays"]
            if index in seen or not -1 <= index < (len(expected) if expected is not None else 1 << 30):
                raise ValueError(f"a frame for call {index}, which was not asked for or already answered")
            seen.add(index)
            allowed = expected[index] if expected is not None and index >= 0 else None
            if not isinstance(listed, list) or (allowed is not None and len(listed) > len(allowed)) \
                    or (index == -1 and listed):
                raise ValueError("more arrays than the call returns")
            pos, arrays = end + 1, {}
            for name, n in listed:
                name, n = str(name), int(n)
                if name in arrays:
                    raise ValueError(f"the array {name[:40]!r} sent twice")
                if (allowed is not None and name not in allowed) or not 0 < n <= len(stream) - pos:
                    raise ValueError(f"an array named {name[:40]!r} that the call does not return")
                arrays[name] = _array(stream[pos : pos + n])
                pos += n
        except Exception as exc:  # noqa: BLE001 - pickled/object/structured arrays and garbage land here
            run.errors.setdefault(index, f"unreadable result: {str(exc)[:200]}")
            break
        error = None if error is None else _capped(str(error))
        if index == -1 and str(error).startswith(SANDBOX_FAILED):
            run.fatal = error
        elif index == -1:
            run.fatal = f"the submission could not be loaded: {error}"
        else:
            if error:  # with arrays too: the values that did come back are judged, the others named
                run.errors[index] = error
            if arrays or not error:
                run.results[index] = arrays


def ended(code: int | None) -> str:
    """Why a child that did not answer every call ended, from its exit status (None: unknown)."""
    if code is None:  # a fork-server child: the grader is not its parent and never sees its status
        return ("the child process ended before returning every result (an exit or a crash is never a pass: "
                "only returned arrays count)")
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed)", "SIGSEGV": " (crashed)"}.get(name, "")
        return f"the child process ended with signal {name}{hint}"
    return (f"the child process exited with status {code} before returning every result "
            "(an exit is never a pass: only returned arrays count)")


# C0 and C1 control characters but tab and newline: terminal escapes (clear the screen, a fake score,
# clipboard writes) and the characters that make an XML report unparseable never leave the child's text.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0d, 0x20), *range(0x7f, 0xa0)]}


def clean(text: str) -> str:
    r"""A child's text with control characters replaced (U+FFFD), so no report format can be spoofed by it.

    >>> clean("ok\x1b[2J\tdone\n") == "ok\ufffd[2J\tdone\n"
    True
    """
    return text.translate(_CONTROLS)


def _capped(text: str) -> str:
    text = clean(text)
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return text[: MAX_ERROR_CHARS // 2] + f" [... {len(text) - MAX_ERROR_CHARS} characters cut ...] " + \
        text[-MAX_ERROR_CHARS // 2:]
