"""The options of the ``grade`` and ``homework`` commands as typed records, checked where they are made.

``cli.py`` builds them from the command line, ``command.py`` runs them. A mistake is a GradproofError
naming the option as the user typed it (``--seed``, ``--stub``) and the value given.

>>> GradingFlags(timeout_s=5.0, seed=3, stubs=("matplotlib",)).arguments()
['--timeout', '5', '--memory-mb', '2048', '--visibility', 'visible', '--seed', '3', '--stub', 'matplotlib']
>>> GradeOptions(("subs/",), jobs=0)
Traceback (most recent call last):
...
derivations._validate.GradproofError: --jobs must be >= 1, got 0
"""
from __future__ import annotations

from dataclasses import dataclass

from derivations._validate import GradproofError, one_of
from . import BLOCKED, FRAMEWORKS

# Plain data only (no numpy): cli.py reads these tables while it builds its parser, before any command.
FORMATS = ("text", "json", "gradescope", "junit", "csv", "summary")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class GradingFlags:
    """The options that decide a grade, shared by ``grade`` and ``homework gradescope``. For the latter
    a None (or empty) field was not given, and only the fields given go into run_autograder."""

    timeout_s: float | None = 10.0      # --timeout: CPU seconds per student function
    memory_mb: int | None = 2048        # --memory-mb: address space per child
    allow: tuple[str, ...] = ()         # --allow: frameworks a submission may import
    stubs: tuple[str, ...] = ()         # --stub: absent packages replaced by empty modules
    fd_credit: bool = False             # --fd-credit
    seed: int | None = None             # --seed: of the input values (None: a fresh secret one)
    strict: bool = False                # --strict
    weights_file: str | None = None     # --weights FILE
    visibility: str | None = "visible"  # --visibility (Gradescope)
    test_visibility: str | None = None  # --test-visibility (Gradescope; None: as --visibility)

    def __post_init__(self):
        if self.seed is not None and self.seed < 0:
            raise GradproofError(f"--seed must be >= 0, got {self.seed}")
        for name in self.allow:
            one_of("--allow", name, FRAMEWORKS)
        bad = [s for s in self.stubs if not s.isidentifier() or s in BLOCKED]
        if bad:
            raise GradproofError(f"--stub takes the name of a package that is not blocked, got {bad[0]!r}")
        for flag, value in (("--visibility", self.visibility), ("--test-visibility", self.test_visibility)):
            if value is not None:
                one_of(flag, value, VISIBILITIES)

    def arguments(self) -> list[str]:
        """These options as ``grade`` command-line arguments (what run_autograder passes on), --weights aside."""
        out = []
        for flag, value in (("--timeout", self.timeout_s), ("--memory-mb", self.memory_mb),
                            ("--visibility", self.visibility), ("--test-visibility", self.test_visibility)):
            if value is not None:
                out += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
        if self.seed is not None:
            out += ["--seed", str(self.seed)]
        out += [a for name in self.allow for a in ("--allow", name)]
        out += [a for name in self.stubs for a in ("--stub", name)]
        return out + ["--fd-credit"] * self.fd_credit + ["--strict"] * self.strict


# homework gradescope: nothing given until the command line says so
NOT_GIVEN = GradingFlags(timeout_s=None, memory_mb=None, visibility=None)


@dataclass(frozen=True)
class GradeOptions:
    """The ``grade`` command: what to grade, how to report it, and the flags that decide the grades."""

    paths: tuple[str, ...]
    interface: str = "cs231n"
    flags: GradingFlags = GradingFlags()
    output: str | None = None           # -o: write the report here instead of stdout
    format: str = "text"
    jobs: int = 2                       # submissions graded at once
    resume: bool = False
    regrade: tuple[str, ...] = ()       # graded again whatever the log says
    log: str | None = None              # the JSON-lines log (default OUTPUT.jsonl)
    single: bool = False                # PATH is one submission

    def __post_init__(self):
        if not self.paths:
            raise GradproofError("grade needs at least one PATH, got none")
        one_of("--format", self.format, FORMATS)
        if self.jobs < 1:
            raise GradproofError(f"--jobs must be >= 1, got {self.jobs}")


@dataclass(frozen=True)
class HomeworkOptions:
    """The ``homework`` command: ``init`` (a student template) or ``gradescope`` (the autograder files)."""

    action: str
    dir: str
    interface: str = "cs231n"
    flags: GradingFlags = NOT_GIVEN
    autograder_root: str = "/autograder"
    force: bool = False                 # overwrite the files a previous run wrote

    def __post_init__(self):
        one_of("action", self.action, ("init", "gradescope"))
