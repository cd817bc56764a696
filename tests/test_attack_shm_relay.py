"""Attack class: state carried from one child to the next through /dev/shm or /tmp. A correct
submission leaves its answers keyed by input; a later, empty one reads them. In namespace mode each
child's /tmp and /dev/shm are its own tmpfs, gone when it ends; in uid mode they are the host's,
and what a child's uid made there is removed when the child ends (without that, 0 -> 40/40)."""
from attack_kit import CORRECT, assert_contained, attack, example

WRITER = CORRECT + '''

import hashlib as _hashlib
import os as _os
from multiprocessing import shared_memory as _shm

_real = {n: globals()[n] for n in ("conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
                                   "max_pool_backward_naive")}


def _leave(name, result, *arrays):
    h = _hashlib.sha256(name.encode())
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    key = "gp-relay-" + h.hexdigest()[:24]
    outs = result if isinstance(result, tuple) else (result,)
    keep = {f"r{j}": o for j, o in enumerate(outs) if isinstance(o, np.ndarray)}
    for d in ("/dev/shm", "/tmp"):
        try:
            with open(_os.path.join(d, key), "wb") as fh:
                np.savez(fh, **keep)
        except OSError:
            pass
    return result


def conv_forward_naive(x, w, b, conv_param):
    return _leave("conv_forward_naive", _real["conv_forward_naive"](x, w, b, conv_param), x, w, b)


def conv_backward_naive(dout, cache):
    return _leave("conv_backward_naive", _real["conv_backward_naive"](dout, cache), dout, cache[0], cache[1])


def max_pool_forward_naive(x, pool_param):
    return _leave("max_pool_forward_naive", _real["max_pool_forward_naive"](x, pool_param), x)


def max_pool_backward_naive(dout, cache):
    return _leave("max_pool_backward_naive", _real["max_pool_backward_naive"](dout, cache), dout, cache[0])
'''


DEFEAT = example("hook_code_swap.py").split("def _classmate")[0]  # the tripwire switched off first


def test_nothing_a_child_leaves_in_tmp_or_shm_reaches_a_later_child(tmp_path):
    # namespace mode: /tmp and /dev/shm are the child's own tmpfs; uid mode: what its uid made there is
    # removed when it ends (a reader running at the same time is stopped by the namespace mode alone)
    first = attack(tmp_path / "a", {"writer.py": DEFEAT + WRITER}, jobs=1)
    assert first["writer.py"]["score"] == 40.0  # it is correct: what it leaves behind is the attack
    by = attack(tmp_path / "b", {"shm_relay_reader.py": DEFEAT + example("shm_relay_reader.py")}, jobs=1)
    assert_contained(by, ["shm_relay_reader.py"])
    assert "nothing left behind to copy" in str(by["shm_relay_reader.py"])


def test_a_relay_in_one_batch_gets_the_reader_nothing(tmp_path):
    # writer first, reader second, one worker: in uid mode the tripwire refuses /tmp and open() in /dev/shm
    by = attack(tmp_path, {"a_writer.py": WRITER, "b_reader.py": example("shm_relay_reader.py")}, jobs=1)
    assert by["a_writer.py"]["score"] == 40.0
    assert_contained(by, ["b_reader.py"])
