"""The command line as a user meets it: exit codes, one-line errors, fast help."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, timeout=120):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


@pytest.mark.parametrize("args, needle", [
    (["derive", "conv", "--input", "3x3", "--kernel", "4x4"], "larger than the padded input 3x3"),
    (["derive", "conv", "--stride", "0"], "stride must be a whole number >= 1, got 0"),
    (["derive", "conv", "--pad", "-1"], "pad must be a whole number >= 0, got -1"),
    (["derive", "conv", "--input", "1x2x5x5", "--kernel", "1x3x3x3"], "3 channels but input_shape has 2"),
    (["derive", "conv", "--input", "100x100", "--kernel", "9x9"], "past the 30 s limit for exact work"),
    (["derive", "conv", "--input", "128x128", "--kernel", "5x5"], "the largest square input that fits is"),
    (["derive", "conv", "--input", "5xx"], "expected a shape such as 5x5"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["check", "all", "--examples", "0"], "expected a whole number >= 1, got '0'"),
    (["derive", "full-conv", "--input", "3x3", "--kernel", "3x3", "--pad", "1"], "--pad does not apply to derive full-conv"),
    (["derive", "full-conv", "--stride", "2"], "--stride does not apply to derive full-conv"),
    (["derive", "mean-pool", "--kernel", "3x3"], "--kernel does not apply to derive mean-pool"),
    (["derive", "max-pool", "--dilation", "2", "--values", "1,2,3,4"], "--dilation does not apply"),
    (["derive", "mean-pool", "--no-bias"], "--no-bias does not apply to derive mean-pool"),
    (["derive", "conv", "--window", "2"], "--window does not apply to derive conv"),
    (["derive", "conv", "--values", "1,2"], "--values does not apply to derive conv"),
    (["derive", "max-pool", "--input", "3x3", "--window", "3"], "values is required for max pooling"),
    (["derive", "mean-pool", "--input", "3x3", "--window", "4"], "larger than the padded input"),
    (["grade", "examples/cs231n/correct.py", "--fd-credit", "--no-fd-credit"], "contradict each other"),
    (["grade", "examples/cs231n/correct.py", "--seed", "-1"], "--seed must be >= 0, got -1"),
    (["derive", "conv", "--input", "5", "--kernel", "3"], "input_shape must have 2 or 4 sizes, got (5,)"),
    (["derive", "conv", "--input", "5x5", "--kernel", "3"], "kernel_shape must have 2 sizes, got (3,)"),
    (["derive", "conv", "--input", "-5x5"], "every size must be a whole number >= 1, got '-5x5'"),
    (["derive", "conv", "--stride", "-2"], "stride must be a whole number >= 1, got -2"),
    (["derive", "conv", "--strid", "2"], "unrecognized arguments: --strid 2"),   # no prefix matching
])
def test_user_mistakes_are_one_line_and_exit_2(args, needle):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # no usage block, no traceback
    assert r.stdout == ""


@pytest.mark.parametrize("values", [["--values", "-1,-2,-3,-4"], ["--values=-1,-2,-3,-4"]])
def test_negative_values_are_numbers_not_options(values):
    import json

    r = run("derive", "max-pool", "--input", "2x2", "--window", "2", *values, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["symbols"]["values"]["entries"] == ["-1", "-2", "-3", "-4"]
    assert data["grads"]["A"]["entries"] == ["G11", "0", "0", "0"]  # -1 is the maximum


def test_derive_conv_json_on_stdout():
    import json

    r = run("derive", "conv", "--input", "4x4", "--kernel", "3x3", "--stride", "2", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["params"]["output_shape"] == [1, 1] and all(x["holds"] for x in data["rules"])


def test_help_does_not_import_sympy_or_numpy():
    # --help is fast because the heavy imports wait for a command (SymPy alone takes ~1 s to import)
    code = "import sys, cli; cli.build_parser(); print('sympy' in sys.modules, 'numpy' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split() == ["False", "False"]
    assert run("--help").returncode == 0


def test_every_command_has_help_with_an_example():
    for cmd in ("tour", "derive", "check", "homework", "grade", "summary"):
        r = run(cmd, "--help")
        assert r.returncode == 0 and "example" in r.stdout, cmd


def test_a_too_costly_shape_is_refused_before_sympy_is_imported():
    # importing SymPy alone takes about a second: the cost model answers first (bench/derive_cost.py)
    code = ("import sys, cli; rc = cli.main(['derive', 'conv', '--input', '128x128', '--kernel', '5x5']); "
            "print(rc, 'sympy' in sys.modules, 'rich' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split() == ["2", "False", "False"], r.stderr
    assert "largest square input that fits is 104x104" in r.stderr


@pytest.mark.parametrize("args, needles", [
    (["relu", "--input", "2x3", "--values", "-1,0,2,3,0,-4"], ["relu_step", "≈ another subgradient", "heaviside_kink"]),
    (["sigmoid", "--input", "1x2"], ["sigmoid_a_one_minus_a", "✓ proved"]),
    (["deltas", "--input", "6x6", "--kernel", "3x3", "--window", "2", "--filters", "1"],
     ["delta_conv_sigmoid_expand", "delta_pool_full_conv_rot180", "✗ rejected"]),
])
def test_activations_and_layer_deltas_on_the_command_line(args, needles):
    r = run("derive", *args, "--no-color")
    assert r.returncode == 0, r.stderr
    for n in needles:
        assert n in r.stdout, n
    assert "✗ rejected  relu_step" not in r.stdout and "✗ rejected  delta_conv_sigmoid" not in r.stdout


@pytest.mark.parametrize("args, needle", [
    (["relu", "--kernel", "3x3"], "--kernel does not apply to derive relu"),
    (["deltas", "--window", "2x3"], "--window for deltas is one scale s"),
    (["deltas", "--input", "5x5"], "must divide the conv output"),
])
def test_activation_and_deltas_mistakes_are_one_line(args, needle):
    r = run("derive", *args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("model, total", [("keras", "Total params: 93,322"), ("lenet5", "Total params: 60,840"),
                                          ("notes-cnn", "Total params: 13,602"),
                                          ("input 28x28x1, conv 8 3x3 stride 2, flatten, dense 10",
                                           "Total params: 13,610")])  # (9+1)*8 + (13*13*8+1)*10
def test_summary_prints_the_total(model, total):
    r = run("summary", model)
    assert r.returncode == 0, r.stderr
    assert total in r.stdout and r.stderr == ""


def test_summary_json_and_a_file(tmp_path):
    import json

    f = tmp_path / "m.txt"
    f.write_text("input 32x32x1  # LeNet-5's first layers\nconv 6 5x5 as C1\nsubsample 2 as S2\n", encoding="utf-8")
    r = run("summary", str(f), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [(x["name"], x["params"]) for x in json.loads(r.stdout)["layers"]] == [("C1", 156), ("S2", 12)]


@pytest.mark.parametrize("args, needle", [
    (["summary", "input 28x28x1, conv 8 3y3"], "layer 1 (conv): kernel must be"),
    (["summary", "kerass"], "'kerass' is neither a built-in model"),
    (["summary", "input 8x8, conv 2 3x3 strid 2"], "unexpected word 'strid'"),
    (["summary", "keras", "--format", "xml"], "invalid choice: 'xml'"),
])
def test_summary_mistakes_are_one_line_and_exit_2(args, needle):
    r = run(*args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stdout == ""


def test_the_readme_shows_what_summary_keras_prints():
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "summary", "keras"], capture_output=True, text=True,
                       timeout=120, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "80"})
    printed = "\n".join(line.rstrip() for line in r.stdout.strip().splitlines())
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Model summaries", 1)[1]
    assert printed in readme and "Total params: 93,322" in printed


# The course notes' whole network, op by op: the defaults run (network: ~10-30 s here, hence one run each)
@pytest.mark.parametrize("args, needles", [
    (["dense", "--input", "2x3", "--units", "3"], ["dx_dout_wT", "✗ rejected  dw_transposed", "db_first_row_only"]),
    (["flatten", "--input", "2x2x2"], ["✓ proved  dx_reshape_same_order", "✗ rejected  dx_reshape_channels_first"]),
    (["softmax", "--classes", "3", "--label", "1", "--values", "1,2,0"],
     ["p = 1/3 each, L = ln 3 = 1.0986", "✓ proved  p_minus_onehot", "✗ rejected  delta_without_minus_one"]),
    (["network"], ["L = ln 3 = 1.0986", "dL/dz = p - onehot(label)", "✓ proved  chain_x",
                   "✗ rejected  chain_route_every_cell"]),
])
def test_the_whole_network_ops_on_the_command_line(args, needles):
    r = run("derive", *args, "--no-color", timeout=300)
    assert r.returncode == 0, r.stderr
    for n in needles:
        assert n in r.stdout, n


@pytest.mark.parametrize("args, needle", [
    (["network", "--input", "9x9"], "input side 9 is past the exact network's limit of 8"),
    (["network", "--filters", "3"], "filters 3 is past the exact network's limit of 2"),
    (["network", "--classes", "4"], "classes 4 is past the exact network's limit of 3"),
    (["softmax", "--classes", "13"], "classes 13 is past the exact softmax's limit of 12"),
    (["dense", "--input", "65x64", "--units", "1"], "products 4160 is past the exact dense's limit of 4096"),
    (["flatten", "--input", "17x16x16"], "entries 4352 is past the exact flatten's limit of 4096"),
])
def test_a_network_op_past_its_limit_is_refused_before_sympy_loads(args, needle):
    code = f"import sys, cli; rc = cli.main(['derive', *{args!r}]); print(rc, 'sympy' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split() == ["2", "False"], r.stderr
    assert needle in r.stderr and "on this machine" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, needle", [
    (["dense", "--window", "2"], "--window does not apply to derive dense (it reads --input, --units)"),
    (["network", "--values", "1,2"], "--values does not apply to derive network"),
    (["softmax", "--input", "3"], "--input does not apply to derive softmax"),
    (["flatten", "--units", "2"], "--units does not apply to derive flatten"),
    (["dense", "--input", "2x2x2"], "--input for dense is D or NxD"),
    (["network", "--input", "6x6x1"], "--input for network is HxW"),
    (["network", "--input", "3x3"], "must be at least 4x4"),
    (["softmax", "--label", "3"], "label must be a class index 0..2, got 3"),
    (["softmax", "--values", "1,2"], "3 logits"),
])
def test_network_op_mistakes_are_one_line(args, needle):
    r = run("derive", *args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
