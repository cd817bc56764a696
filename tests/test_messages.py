"""The checker's sentences live in the checker: every key it uses is there in both languages, and a check's
summary is written without importing presentation/ (the layering is one-way: checker -> presentation)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker import messages
from derivations._validate import GradproofError

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_the_checker_uses_is_in_its_own_tables_in_both_languages():
    used = set()
    for path in (ROOT / "checker").glob("*.py"):
        src = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""Note\(\s*["']([a-z0-9_.]+)["']""", src))
        used |= set(re.findall(r"""sentence\(\s*f?["']([a-z0-9_.\-]+)""", src))
    used = {k for k in used if not k.endswith(".")}  # f"pattern.{k}": the patterns are listed below
    used |= {f"pattern.{p}" for p in ("border", "one-channel", "one-sample", "factor", "transposed", "rotated",
                                       "ties-whole", "ties-sum")}
    assert {"note.kinks", "note.mutated", "summary.ok", "check.tie_line"} <= used
    assert not used - set(messages.EN), sorted(used - set(messages.EN))
    assert not used - set(messages.ZH), sorted(used - set(messages.ZH))


def test_a_summary_needs_nothing_from_presentation():
    code = ("import sys, numpy as np\n"
            "from checker import check_backward\n"
            "r = check_backward(lambda x: 2 * x, lambda g, x: (3 * g,), [np.ones(3)], names=('x',))\n"
            "print(r.summary().splitlines()[0]); print(any(m.split('.')[0] in ('presentation', 'rich') "
            "for m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "GRADPROOF_LANG": "zh"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["反向传播与有限差分不一致(auto 模式)", "False"]


def test_presentation_reads_the_same_sentences():
    from presentation.i18n import EN, ZH, text

    assert all(EN[k] == v for k, v in messages.EN.items()) and all(ZH[k] == v for k, v in messages.ZH.items())
    assert text("summary.off", "zh", n=1, total=4) == messages.sentence("summary.off", "zh", n=1, total=4)


def test_an_unknown_language_is_a_user_mistake(monkeypatch):
    monkeypatch.setenv("GRADPROOF_LANG", "de")
    with pytest.raises(GradproofError, match="lang must be one of 'en', 'zh', got 'de'"):
        messages.sentence("summary.ok", mode="element")
    assert messages.sentence("summary.ok", "en", mode="element") == "backward matches finite differences (element mode)"
