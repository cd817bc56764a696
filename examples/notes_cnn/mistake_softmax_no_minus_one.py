"""Planted mistake: the softmax delta is p where p - onehot(label) belongs (the -1 at the label is left out)."""
import numpy as np


def windows3(image):
    """Every 3x3 window of a 2-D image with its top-left corner (valid padding)."""
    rows, cols = image.shape[:2]
    for r in range(rows - 2):
        for c in range(cols - 2):
            yield image[r:r + 3, c:c + 3], r, c


def windows2(volume):
    """Every non-overlapping 2x2 window of an (h, w, c) volume; an odd last row or column is left out."""
    rows, cols = volume.shape[0] // 2, volume.shape[1] // 2
    for r in range(rows):
        for c in range(cols):
            yield volume[2 * r:2 * r + 2, 2 * c:2 * c + 2], r, c


class Conv3x3:
    def __init__(self, num_filters):
        self.num_filters = num_filters
        self.filters = np.random.randn(num_filters, 3, 3) / 9

    def forward(self, input):
        self.last_input = input
        rows, cols = input.shape
        out = np.zeros((rows - 2, cols - 2, self.num_filters))
        for patch, r, c in windows3(input):
            out[r, c] = np.sum(patch * self.filters, axis=(1, 2))
        return out

    def backprop(self, d_L_d_out, learn_rate):
        grad = np.zeros(self.filters.shape)
        for patch, r, c in windows3(self.last_input):
            for k in range(self.num_filters):
                grad[k] += d_L_d_out[r, c, k] * patch
        self.filters = self.filters - learn_rate * grad
        return None


class MaxPool2:
    def forward(self, input):
        self.last_input = input
        rows, cols, chans = input.shape
        out = np.zeros((rows // 2, cols // 2, chans))
        for patch, r, c in windows2(input):
            out[r, c] = np.amax(patch, axis=(0, 1))
        return out

    def backprop(self, d_L_d_out):
        d_in = np.zeros(self.last_input.shape)
        for patch, r, c in windows2(self.last_input):
            for k in range(patch.shape[2]):
                # the first maximum takes the gradient: at a tie, one of the tied cells, not all of them
                i, j = np.unravel_index(np.argmax(patch[:, :, k]), (2, 2))
                d_in[2 * r + i, 2 * c + j, k] = d_L_d_out[r, c, k]
        return d_in


class Softmax:
    def __init__(self, input_len, nodes):
        self.weights = np.random.randn(input_len, nodes) / input_len
        self.biases = np.zeros(nodes)

    def forward(self, input):
        self.last_input_shape = input.shape
        flat = input.flatten()
        self.last_input = flat
        totals = np.dot(flat, self.weights) + self.biases
        self.last_totals = totals
        e = np.exp(totals)
        return e / np.sum(e)

    def backprop(self, d_L_d_out, learn_rate):
        for label, g in enumerate(d_L_d_out):
            if g == 0:
                continue
            e = np.exp(self.last_totals)
            s = np.sum(e)
            # d p_label / d totals: -e_label e_k / s^2 off the label, e_label (s - e_label) / s^2 at it
            d_p_d_t = -e[label] * e / s ** 2
            d_p_d_t[label] = e[label] * (s - e[label]) / s ** 2
            d_L_d_t = e / s   # wrong: the gradient of -ln p[label] with respect to the totals is p - onehot(label)
            d_L_d_w = np.outer(self.last_input, d_L_d_t)
            d_L_d_input = self.weights @ d_L_d_t
            self.weights = self.weights - learn_rate * d_L_d_w
            self.biases = self.biases - learn_rate * d_L_d_t
            return d_L_d_input.reshape(self.last_input_shape)
