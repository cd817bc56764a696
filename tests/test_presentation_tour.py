"""The default tour: printed whole when not in a terminal, driven by keys in a real terminal (tmux)."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from presentation.tour import nav, run_tour
from presentation.tour_screens import SCREENS

ROOT = Path(__file__).resolve().parents[1]
SEED_FULL = [[1, 3, 6, 5, 3], [5, 12, 21, 16, 9], [12, 27, 45, 33, 18], [11, 24, 39, 28, 15], [7, 15, 24, 17, 9]]


# Variables that change what the renderers print; the tests set their own and inherit none.
_DISPLAY_VARS = ("GRADPROOF_LANG", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TERM")


def _clean_env(extra=None):
    return {**{k: v for k, v in os.environ.items() if k not in _DISPLAY_VARS}, "COLUMNS": "100", **(extra or {})}


def cli(*args, env=None, timeout=60):
    # language, width and colour come from the arguments under test, not from the developer's environment
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, env=_clean_env(env), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(autouse=True)
def _display_env(monkeypatch):
    """Every test starts from the same display settings; a test that needs one (FORCE_COLOR) sets it."""
    for var in _DISPLAY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


def tour_text(capsys, monkeypatch, **args) -> str:
    assert run_tour(no_pause=True, **args) == 0
    return capsys.readouterr().out


def row_of(numbers) -> str:
    return r"│\s*" + r"\s*│\s*".join(map(str, numbers)) + r"\s*│"


def test_piped_tour_prints_every_screen_with_the_seed_numbers():
    r = cli()  # no arguments and stdout is a pipe: everything printed, exit 0
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for n in range(1, 7):
        assert re.search(rf"^{n}\. ", out, re.M), f"screen {n} missing"
    assert "B11 = A11*K11 + A12*K12 + A13*K13 + A21*K21" in out
    assert "[A11]" in out and "[A33]" in out and "[A34]" not in out  # B11's window
    assert re.search(r"A24\s+K23, K22, K13, K12\s+B12, B13, B22, B23", out)
    for row in SEED_FULL:
        assert len(re.findall(row_of(row), out)) == 2, row  # convn's answer and the exact gradient
    assert re.search(row_of([9, 17, 24, 15, 7]), out)  # forgetting the rotation
    assert re.search(r"│\s*20\s*│\s*13\s*│\s*\[25\]\s*│", out) and "[4]" in out
    assert re.search(r"✓ proved\s+dx_full_conv_rot180", out) and re.search(r"✗ rejected\s+dx_unrotated", out)
    assert len(re.findall(r"✓ matches", out)) == 2 and "✗ differs" not in out
    # every element judged: the worst error and its tolerance as numbers, and the heat map the legend explains
    assert len(re.findall(r"✓ matches\s+\d\.\de-\d\d\s+\d\.\de-\d\d", out)) == 2
    assert re.search(r"error / tolerance of dx\[1, 1\].*\n(\s+[·\-+]( [·\-+]){7}\n){8}", out)
    assert "screen 1/6" not in out  # no key prompts on a pipe


def test_no_pause_in_chinese_at_sixty_columns_without_colour():
    r = cli("--no-pause", "--lang", "zh", env={"COLUMNS": "60", "NO_COLOR": "1"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    for term in ("卷积", "卷积核", "池化", "最大池化", "平均池化", "步长", "填充", "反向传播"):
        assert term in r.stdout, term
    assert "\x1b[" not in r.stdout


def test_language_from_environment(capsys, monkeypatch):
    monkeypatch.setenv("GRADPROOF_LANG", "zh")
    assert run_tour(no_pause=True) == 0
    assert "反向传播" in capsys.readouterr().out


def test_no_color_flag_drops_colour_that_force_color_would_add(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = tour_text(capsys, monkeypatch)
    plain = tour_text(capsys, monkeypatch, no_color=True)
    assert re.search(r"\x1b\[[0-9;]*3[1-8]m", coloured)  # a foreground colour (the green ✓)
    assert not re.search(r"\x1b\[[0-9;]*3[1-8]m", plain) and "[A11]" in plain


def test_navigation_keys():
    assert [nav(k, 2, 6) for k in ("", "x", "b", "q", " Q ")] == [3, 3, 1, None, None]
    assert nav("b", 0, 6) == 0 and nav("", 5, 6) is None
    assert len(SCREENS) == 6


def test_help_is_fast_and_shows_examples():
    r = subprocess.run([sys.executable, "-X", "importtime", "cli.py", "--help"], cwd=ROOT, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and "tour" in r.stdout and "derive" in r.stdout
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert not {"sympy", "numpy", "rich"} & imported
    for cmd in ("tour", "derive"):
        h = cli(cmd, "--help")
        assert h.returncode == 0 and "example" in h.stdout and "python cli.py" in h.stdout


def _pane(tmux, target) -> str:
    return subprocess.run([*tmux, "capture-pane", "-p", "-t", target], capture_output=True, text=True).stdout


def _wait_for(tmux, target, pattern, timeout=60.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pane = _pane(tmux, target)
        if re.search(pattern, pane):
            return pane
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} never appeared; the pane shows:\n{pane}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real terminal to drive")
def test_interactive_tour_in_a_real_terminal(tmp_path):
    # A private tmux server (its own socket) so that the test never touches anyone else's sessions.
    tmux = ["tmux", "-S", str(tmp_path / "sock")]
    done = tmp_path / "rc"
    modes = tmp_path / "stty"  # the terminal's modes after the tour: keys must be line-buffered again
    # written aside and renamed: the test must never read a file the shell has created but not yet filled
    cmd = (f"cd {ROOT} && {sys.executable} cli.py --no-color; echo $? > {done}.part; mv {done}.part {done}; "
           f"stty -a > {modes}.part; mv {modes}.part {modes}; sleep 60")
    # 80x24: every screen is taller than that, so the tour must page instead of scrolling its top away.
    subprocess.run([*tmux, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", cmd], check=True,
                   env={k: v for k, v in os.environ.items() if k not in ("TMUX", *_DISPLAY_VARS)})

    def key(k):
        subprocess.run([*tmux, "send-keys", "-t", "t", k], check=True)

    def footer(pane):
        m = re.search(r"screen (\d)/6(?: · page (\d+)/(\d+))?", pane)
        assert m, pane
        return int(m[1]), int(m[2] or 1), int(m[3] or 1)

    def next_page(pane):
        before = footer(pane)
        key("Enter")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            now = _pane(tmux, "t")
            if re.search(r"screen \d/6", now) and footer(now) != before:
                return now
            time.sleep(0.1)
        raise AssertionError(f"Enter did not move on from {before}")

    try:
        pane = _wait_for(tmux, "t", r"screen 1/6 .* page 1/")
        assert "1. Convolution" in pane and "[A11]" in pane  # the top of screen 1 is on screen
        seen = {1: pane}
        while footer(pane)[0] < 3:
            pane = next_page(pane)
            seen[footer(pane)[0]] = seen.get(footer(pane)[0], "") + pane
        assert footer(pane) == (3, 1, footer(pane)[2]) and "2. Backward" in seen[2] and "A55" in seen[2]
        key("b")  # back: the last page of screen 2
        pane = _wait_for(tmux, "t", r"screen 2/6")
        assert footer(pane)[1] == footer(pane)[2]
        pane = next_page(pane)
        text_3 = pane
        while footer(pane)[0] == 3 and footer(pane)[1] < footer(pane)[2]:
            pane = next_page(pane)
            text_3 += pane
        assert re.search(row_of(SEED_FULL[4]), text_3)
        key("q")
        _wait_for(tmux, "t", r"End of the tour")
        end = time.monotonic() + 10
        while not (done.exists() and modes.exists()) and time.monotonic() < end:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
        assert re.search(r"(?<!-)icanon", modes.read_text()) and re.search(r"(?<!-)echo\b", modes.read_text())
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def test_every_text_key_used_exists_in_both_languages():
    # text() falls back to the key itself, so a typo would show up as "tour.s3.titel" on screen, not as an error.
    from presentation.i18n import EN, ZH

    used = set()
    for mod in ("tour", "tour_screens", "derive", "derive_text", "export", "handout", "matrices", "general"):
        src = (ROOT / "presentation" / f"{mod}.py").read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:text|_para|_title)\(\s*f?["']([a-z0-9_.]+)["']""", src))
        used |= set(re.findall(r"""["']((?:tour|derive|mark|rule|col)\.[a-z0-9_.]+)["']""", src))
    assert {"tour.s1.title", "derive.title", "mark.proved"} <= used
    assert not used - set(EN), sorted(used - set(EN))
    assert not used - set(ZH), sorted(used - set(ZH))


def test_pooling_screen_shows_the_exact_routing(capsys, monkeypatch):
    out = tour_text(capsys, monkeypatch, lang="en")
    screen = out.split("5. Pooling")[1].split("6. Proof")[0]
    assert "G11/4" in screen and "[G11]" in screen and "[G11 + G12 + G21 + G22]" in screen
    assert re.search(r"✗ rejected\s+assign_not_add", screen) and "heaviside" not in screen
    proofs = out.split("6. Proof")[1]
    assert re.search(r"✓ proved\s+kron_expand", proofs) and len(re.findall(r"route_first_argmax", proofs)) == 2
