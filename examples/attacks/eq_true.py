"""Attack: return objects whose == is always True."""


class Yes:
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False
    shape = (1, 1, 1, 1)


def ATTACK(n=1):
    return (Yes(),) * n if n > 1 else Yes()


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
