"""Attack: write hostile result frames straight to the result channel: a structured-dtype array, a
frame with 400k tiny arrays, arrays the call never returns, an answer for a call not asked, a
30-dimensional array, then end the process before the harness writes anything."""
import io
import json
import os

import numpy as np


def _npy(a):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _frame(index, arrays, error=None):
    blobs = [(name, _npy(a)) for name, a in arrays]
    head = json.dumps({"i": index, "arrays": [[n, len(b)] for n, b in blobs], "error": error}).encode()
    return b"GPF1 " + head + b"\n" + b"".join(b for _, b in blobs)


def ATTACK(n=1):
    tiny = _npy(np.zeros(1))
    many = json.dumps({"i": 1, "arrays": [[f"x{k}", len(tiny)] for k in range(400_000)], "error": None}).encode()
    frames = [_frame(0, [("r0", np.zeros(3, dtype=[("a", "f8"), ("b", "O")][:1]))]),
              b"GPF1 " + many + b"\n" + tiny * 400_000,
              _frame(2, [("secret", np.zeros(2))]),
              _frame(99, [("r0", np.zeros(2))]),
              _frame(3, [("r0", np.zeros((1,) * 30))])]
    for data in frames:
        try:
            os.write(3, data)
        except OSError:
            pass
    os._exit(0)


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
