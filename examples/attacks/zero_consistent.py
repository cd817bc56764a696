"""Attack: forward and backward return zeros of the right shapes, consistent with each other.

The backward is the exact gradient of this (constant) forward, but a gradient of nothing earns nothing.
"""
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    ho = 1 + (x.shape[2] + 2 * p - w.shape[2]) // s
    wo = 1 + (x.shape[3] + 2 * p - w.shape[3]) // s
    return np.zeros((x.shape[0], w.shape[0], ho, wo)), (x, w, b)


def conv_backward_naive(dout, cache):
    x, w, b = cache
    return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)


def max_pool_forward_naive(x, pool_param):
    s, ph, pw = pool_param["stride"], pool_param["pool_height"], pool_param["pool_width"]
    return np.zeros((x.shape[0], x.shape[1], 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s)), x


def max_pool_backward_naive(dout, cache):
    return np.zeros_like(cache)
