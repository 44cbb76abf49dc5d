"""The reference recipes' data: MNIST's images as float32 rows of 784 pixels.

Shared by the four ``ref_*.py`` scripts (it needs NumPy only). The file is
``$MNIST_NPZ``, else ``$MNISTGEN_MNIST_PATH`` (a Keras-format ``mnist.npz``);
without either, random images of MNIST's shape, which is enough for timing.
``$REF_N`` keeps the first N training images (a smoke test).
"""
import os

import numpy as np


def mnist_rows(low=0.0):
    """``(train, test)`` rows scaled from 0-255 to [low, 1]; ``test`` is None without a file.

    Random data: binary images (a fifth of the pixels on) in the same range.
    """
    path = os.environ.get("MNIST_NPZ") or os.environ.get("MNISTGEN_MNIST_PATH")
    n = int(os.environ.get("REF_N") or 0) or None
    if not path:
        on = np.random.default_rng(0).random((n or 60_000, 784)) > 0.8
        return (on * (1.0 - low) + low).astype(np.float32), None
    with np.load(path) as f:
        x, x_test = f["x_train"][:n], f["x_test"] if "x_test" in f.files else None

    def rows(a):
        return (a.reshape(len(a), 784).astype(np.float32) / 255 * (1.0 - low) + low).astype(np.float32)

    return rows(x), None if x_test is None else rows(x_test)
