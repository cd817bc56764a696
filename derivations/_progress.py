r"""Progress of long derivations, reported to whoever listens (a renderer's progress bar), else to nobody.

A derivation is cached by its arguments, so a callback cannot be one of them; a context variable carries
it instead. ``report`` costs one lookup when nobody listens.

>>> seen = []
>>> with reporting(lambda stage, done, total: seen.append((stage, done, total))):
...     report("forward", 1, 2)
>>> seen
[('forward', 1, 2)]
>>> report("forward", 2, 2)  # nobody listens: nothing happens
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable

_listener: ContextVar[Callable[[str, int, int], None] | None] = ContextVar("gradproof_progress", default=None)


@contextmanager
def reporting(callback: Callable[[str, int, int], None]):
    """Call ``callback(stage, done, total)`` while derivations run inside this block."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def report(stage: str, done: int, total: int) -> None:
    """Tell the listener, if any, that ``done`` of ``total`` steps of ``stage`` are finished."""
    cb = _listener.get()
    if cb is not None:
        cb(stage, done, total)


def every(total: int) -> int:
    """How often a loop of ``total`` steps reports: about a hundred times in all."""
    return max(1, total // 100)
