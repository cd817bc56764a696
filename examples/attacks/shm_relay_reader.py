"""Attack: answer with what an earlier submission left in /dev/shm or /tmp, keyed by the inputs (every
student gets the same battery shapes): 40/40 from an empty file if anything survives a child. Its
partner, a correct submission that leaves its answers behind, is in tests/test_attack_shm_relay.py."""
import hashlib
import os

import numpy as np

DIRS = ("/dev/shm", "/tmp")


def _key(name, *arrays):
    h = hashlib.sha256(name.encode())
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return "gp-relay-" + h.hexdigest()[:24]


def _answer(name, n, *arrays):
    for d in DIRS:
        path = os.path.join(d, _key(name, *arrays))
        if os.path.exists(path):
            with np.load(path, allow_pickle=False) as z:
                return tuple(z[f"r{j}"] if f"r{j}" in z.files else None for j in range(n))
    raise RuntimeError("nothing left behind to copy")


def conv_forward_naive(x, w, b, conv_param):
    return _answer("conv_forward_naive", 1, x, w, b)[0], (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    return _answer("conv_backward_naive", 3, dout, cache[0], cache[1])


def max_pool_forward_naive(x, pool_param):
    return _answer("max_pool_forward_naive", 1, x)[0], (x, pool_param)


def max_pool_backward_naive(dout, cache):
    return _answer("max_pool_backward_naive", 1, dout, cache[0])[0]
