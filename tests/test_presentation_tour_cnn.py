"""`gradproof tour cnn`: the notes' CNN, its untrained loss ln 10, its backward checked layer by layer, and a
real training run on scikit-learn's digits whose loss falls (or, without scikit-learn, how to install it)."""
import io
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from checker import cnn
from derivations._validate import GradproofError
from presentation import tour, tour_cnn, tour_screens
from presentation.i18n import tour_cnn as cnn_text
from presentation.tour_cnn_screens import SCREENS, chart, running_mean, verdict_rows

ROOT = Path(__file__).resolve().parents[1]


def flat(out: str) -> str:
    """The rendered text as one line: a sentence is found wherever the console wrapped it."""
    return " ".join(out.split())


def render(screens, data, *, lang="en", width=100) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for screen in screens:
        console.print(screen(data, lang, width))
    return out.getvalue()


@pytest.fixture(scope="module")
def data():
    pytest.importorskip("sklearn", reason="the training screen needs the optional extra digits")
    ticks = []
    d = tour_cnn.collect(progress=lambda done, total: ticks.append((done, total)))
    d.ticks = ticks
    return d


def test_shapes_and_parameter_counts(data):
    out = render(SCREENS[:1], data)
    assert re.search(r"Conv3x3\(8\)\s+26x26x8\s+72\s", out)
    assert re.search(r"MaxPool2\(\)\s+13x13x8\s+0\s", out)
    assert re.search(r"Softmax\(1352, 10\)\s+10\s+13,530\s", out)
    assert re.search(r"total\s+13,602\s", out)  # 72 filter weights + 1352*10 + 10
    # summarize counts the bias that the notes' Conv3x3 leaves out
    assert "Conv2D(8, 3) adds one per filter: 80" in flat(out)
    assert re.search(r"Conv3x3\(8\)\s+6x6x8\s+72\s", out) and re.search(r"Softmax\(72, 10\)\s+10\s+730\s", out)


def test_untrained_loss_is_ln_10_and_training_halves_it(data):
    out = render(SCREENS, data)
    assert "ln 10 = 2.3026" in flat(out)
    for loss in re.findall(r"mean\s+loss (\d\.\d+)", out):  # random 28x28 images and held-out digits
        assert abs(float(loss) - math.log(10)) < 0.01, loss
    before = float(re.search(r"held-out loss before: (\d\.\d+)", out)[1])
    after = float(re.search(r"held-out loss after:\s+(\d\.\d+)", out)[1])
    assert abs(before - math.log(10)) < 0.01  # the 2.302 +/- 0.01
    assert after < 0.5 * before, (before, after)
    acc = re.search(r"after:.*accuracy (\d+\.\d)%", out)
    assert float(acc[1]) > 50  # ten classes: chance is 10%
    assert data.ticks[-1] == (1500, 1500) and len(data.ticks) == 1500  # the progress bar's callback


def test_loss_plot_falls(data):
    out = render(SCREENS[3:], data)
    rows = [line for line in out.splitlines() if re.match(r"^(\d\.\d\d ┤|     │)", line)]
    assert len(rows) == 8
    top = rows[0][6:]
    assert top[0] == "█" and top[-1] == " "  # the running mean starts at the top and ends far below it


def test_backward_layer_by_layer_every_layer_matches(data):
    out = render(SCREENS[2:3], data)
    assert "First wrong layer: none." in flat(out)
    for layer, grad in [("Softmax", "dweights 72x10"), ("Softmax", "dbiases 10"), ("MaxPool2", "dinput 6x6x8"),
                        ("Conv3x3", "dfilters 8x3x3"), ("end to end", "dinput 8x8"),
                        ("Softmax", "dweights 1352x10"), ("Conv3x3", "dfilters 8x3x3")]:
        assert re.search(rf"{layer}\s+{grad}\s+✓ matches\s+\d\.\de-\d\d\s+\d\.\de-\d\d", out), (layer, grad)
    assert "✗ differs" not in out
    # the softmax delta: the reference's backprop gives p - onehot (the label's entry about 0.1 - 1)
    rows = dict(re.findall(r"^(p - onehot|backprop db)\s+= (\[.*\])$", out, re.M))
    assert rows["p - onehot"] == rows["backprop db"] and "-0.90" in rows["backprop db"]
    assert re.search(r"✓ proved\s+p_minus_onehot", out) and re.search(r"✗ rejected\s+delta_without_minus_one", out)
    assert "72 of the 288 cells of the 6x6x8 input receive gradient" in flat(out)  # one per 2x2 window


def test_a_wrong_layer_would_show(data):
    """The verdict table reads the check, not a constant: a failed argument prints as differing."""
    bad = data.check8.result
    broken = bad._replace(layers=tuple(v._replace(ok=False, result=None, error="backward raised X")
                                       if v.name == "MaxPool2" else v for v in bad.layers), first_wrong="MaxPool2")
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(verdict_rows(broken, "en"))
    assert re.search(r"MaxPool2\s+-\s+✗ differs", out.getvalue())


def test_chinese_has_every_key_and_renders(data):
    assert set(cnn_text.EN) == set(cnn_text.ZH)
    out = render(SCREENS, data, lang="zh", width=80)
    for term in ("卷积", "最大池化", "反向传播", "训练前留出集损失", "训练后留出集损失"):
        assert term in out, term
    assert max(len(line) for line in out.splitlines()) <= 80


def test_without_scikit_learn_the_tour_says_how_to_install_it(monkeypatch, capsys):
    def missing():
        raise GradproofError("the digits data set needs scikit-learn: pip install 'gradproof[digits]'")

    monkeypatch.setattr(cnn, "load_digits", missing)
    assert tour_cnn.run_tour_cnn(no_pause=True) == 0
    out = capsys.readouterr().out
    assert flat(out).count("pip install -e '.[digits]'") == 2  # the untrained-loss screen and the training one
    assert "held-out loss" not in out and "gradproof[digits]" not in out
    assert "First wrong layer: none." in flat(out)  # the rest of the tour still runs


def test_default_tour_links_to_the_cnn_tour():
    out = render(tour_screens.SCREENS[-1:], tour.collect())
    assert "python cli.py tour cnn" in flat(out)


def test_chart_and_running_mean():
    assert running_mean([4.0, 2.0, 0.0, 2.0], 2).tolist() == [4.0, 3.0, 1.0, 1.0]
    rows = chart([8.0, 4.0, 0.0], width=3, height=2)
    assert rows == ["8.00 ┤█  ", "     │██ ", "0.00 └───"]
    rows = chart(list(range(1000)), width=50, height=8)  # a wider label: 989.50, the mean of the last bucket
    assert rows[0].startswith("989.50 ┤") and {len(r) for r in rows} == {8 + 50}  # bucketed to the width


def test_cli_tour_cnn_runs_within_a_minute():
    start = time.monotonic()
    r = subprocess.run([sys.executable, "cli.py", "tour", "cnn", "--no-pause"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    for n in range(1, 5):
        assert re.search(rf"^{n}\. ", r.stdout, re.M), f"screen {n} missing"
    assert "\x1b[" not in r.stdout and r.stderr == ""  # a pipe: no colour, no progress bar
    assert seconds < 60, f"took {seconds:.1f} s"  # the bound, not a speed benchmark


def test_unknown_tour_is_a_usage_error():
    r = subprocess.run([sys.executable, "cli.py", "tour", "rnn"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "rnn" in r.stderr
