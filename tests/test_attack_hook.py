"""Attack class: switching the audit hook off. Rebinding what it looks up no longer works in any mode;
defeating it for real (swapping the code of the realpath it calls) leaves the kernel, which in
namespace mode shows the child nothing of the host, and in uid mode no classmate's folder."""
from pathlib import Path

import numpy as np

from attack_kit import LIMITS, MODE, assert_contained, attack, example
from grading.sandbox import run_function


def test_rebinding_main_os_or_builtins_leaves_the_hook_on(tmp_path):
    by = attack(tmp_path, {"hook_rebind.py": example("hook_rebind.py")})
    assert_contained(by, ["hook_rebind.py"])
    assert "not allowed while grading" in str(by["hook_rebind.py"]["functions"][0])  # the hook was still on


def test_a_defeated_hook_still_reaches_no_classmate(tmp_path):
    by = attack(tmp_path, {"hook_code_swap.py": example("hook_code_swap.py")}, honest=2)
    assert_contained(by, ["hook_code_swap.py"])


def test_what_a_defeated_hook_can_still_read_depends_on_the_mode(tmp_path):
    src = example("hook_code_swap.py").split("def _classmate")[0] + (
        "import numpy as np\n"
        "def f(x):\n"
        "    got = []\n"
        "    for p in ('/proc/self/status', '/etc/passwd', '/etc/hostname', " + repr(str(Path(__file__))) + "):\n"
        "        try:\n"
        "            got.append(float(len(open(p).read()) > 0))\n"
        "        except OSError:\n"
        "            got.append(0.0)\n"
        "    return np.array(got)\n")
    r = run_function({"s.py": src.encode()}, "s", "f", [{"args": [{"a": "x"}], "nout": 1}], {"0.x": np.ones(1)},
                     LIMITS)
    defeated, *got = r.results[0]["r0"].tolist()
    assert defeated == 1.0  # the tripwire refuses /proc: the attack really switched it off
    if MODE == "namespace":
        assert got == [0.0, 0.0, 0.0]  # the host's files do not exist in the child's root
    else:
        assert got[0] == 1.0  # uid mode: world-readable files are readable once the tripwire is defeated


def test_a_defeated_hook_finds_no_network_in_namespace_mode():
    src = example("hook_code_swap.py").split("def _classmate")[0] + (
        "import numpy as np\n"
        "def f(x):\n"
        "    lines = open('/proc/self/net/dev').read().splitlines()[2:]\n"
        "    up = [l.split(':')[0].strip() for l in lines]\n"
        "    return np.array([len(up), float(up == ['lo'])])\n")
    r = run_function({"s.py": src.encode()}, "s", "f", [{"args": [{"a": "x"}], "nout": 1}], {"0.x": np.ones(1)},
                     LIMITS)
    count, only_loopback = r.results[0]["r0"].tolist()
    if MODE == "namespace":
        assert (count, only_loopback) == (1, 1.0)  # an empty network namespace: a loopback, down, and nothing else
    else:
        assert count >= 1  # uid mode: the host's interfaces (sockets are refused only by the tripwire)
