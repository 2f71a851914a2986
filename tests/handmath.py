"""The paper's equations computed by hand, in float64 NumPy with explicit loops.

Independent of PyTorch's pooling and convolution, so tests can check our modules against them.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def channel_attention(x, w0, w1):
    """Mc(F) = σ(W1 ReLU(W0 avg) + W1 ReLU(W0 max)) for x (N, C, H, W); returns (N, C, 1, 1)."""
    n, c, _, _ = x.shape
    out = np.empty((n, c, 1, 1))
    for i in range(n):
        avg = np.array([x[i, k].sum() / x[i, k].size for k in range(c)])
        mx = np.array([x[i, k].max() for k in range(c)])
        mlp = lambda z: w1 @ np.maximum(w0 @ z, 0.0)  # noqa: E731
        out[i, :, 0, 0] = sigmoid(mlp(avg) + mlp(mx))
    return out


def spatial_attention(x, kernel):
    """Ms(F) = σ(conv_k([mean_c; max_c])) with zero padding k // 2; kernel (2, k, k); returns (N, 1, H, W)."""
    n, _, h, w = x.shape
    k = kernel.shape[-1]
    p = k // 2
    pooled = np.stack([x.mean(axis=1), x.max(axis=1)], axis=1)  # (N, 2, H, W)
    padded = np.pad(pooled, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.empty((n, 1, h, w))
    for i in range(n):
        for r in range(h):
            for col in range(w):
                out[i, 0, r, col] = (padded[i, :, r : r + k, col : col + k] * kernel).sum()
    return sigmoid(out)
