"""Loading MNIST, offline when a local copy is named."""
import os

import numpy as np

__all__ = ["load_mnist", "MNIST_PATH_ENV"]

#: Environment variable naming a local ``mnist.npz`` (Keras's format).
MNIST_PATH_ENV = "MNISTGEN_MNIST_PATH"

_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _read_npz(path):
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"MNIST file not found: {path!r}. Pass the path of a Keras-format "
            f"mnist.npz, set {MNIST_PATH_ENV}, or leave both unset to download "
            "through Keras."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            files = list(npz.files)
            arrays = {k: npz[k] for k in _KEYS if k in files}
    except Exception as exc:
        raise ValueError(
            f"{path!r} is not a readable Keras-format MNIST .npz file: {exc}"
        ) from exc
    missing = [k for k in _KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"{path!r} is not a Keras-format MNIST file: it lacks {missing} "
            f"(expected arrays {list(_KEYS)})."
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.dtype != np.uint8:
            raise ValueError(
                f"{path!r}: x_{split} must be uint8 images of shape (n, H, W), "
                f"got dtype {x.dtype} and shape {x.shape}."
            )
        if y.ndim != 1 or len(y) != len(x) or y.dtype.kind not in "iu":
            raise ValueError(
                f"{path!r}: y_{split} must be {len(x)} integer labels, got dtype "
                f"{y.dtype} and shape {y.shape}."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist(path=None):
    """Load MNIST as uint8 arrays.

    The file is taken from ``path`` if given, else from the environment
    variable ``MNISTGEN_MNIST_PATH`` if set, else through Keras's own
    downloader and cache (``keras.datasets.mnist.load_data``), as on any
    machine with internet access.

    Parameters
    ----------
    path : str or path-like, default=None
        A Keras-format ``mnist.npz`` holding ``x_train``, ``y_train``,
        ``x_test`` and ``y_test``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuple of ndarray
        Images of shape ``(n, 28, 28)``, dtype uint8, and labels 0-9.

    Raises
    ------
    FileNotFoundError
        If the named file does not exist.
    ValueError
        If the file is not a Keras-format MNIST ``.npz``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype, x_test.shape
    ((60000, 28, 28), dtype('uint8'), (10000, 28, 28))
    """
    if path is None:
        path = os.environ.get(MNIST_PATH_ENV) or None
    if path is not None:
        return _read_npz(os.fspath(path))
    from ._backend import get_keras

    (x_train, y_train), (x_test, y_test) = get_keras().datasets.mnist.load_data()
    return (x_train, y_train), (x_test, y_test)
