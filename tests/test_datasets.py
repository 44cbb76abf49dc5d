"""load_mnist: explicit path, environment variable, Keras fallback, bad files."""
import numpy as np
import pytest

from mnistgen.datasets import MNIST_PATH_ENV, load_mnist


def _fake(path, n=5, **overrides):
    arrays = dict(
        x_train=np.zeros((n, 28, 28), np.uint8), y_train=np.arange(n, dtype=np.uint8),
        x_test=np.ones((2, 28, 28), np.uint8), y_test=np.array([1, 2], np.uint8),
    )
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_from_path_and_env(tmp_path, monkeypatch):
    path = _fake(tmp_path / "m.npz")
    (x, y), (xt, yt) = load_mnist(path)
    assert x.shape == (5, 28, 28) and x.dtype == np.uint8 and xt.shape == (2, 28, 28)
    monkeypatch.setenv(MNIST_PATH_ENV, str(path))
    (x2, _), _ = load_mnist()
    assert x2.shape == (5, 28, 28)


def test_real_mnist_from_ci_path():
    (x, y), (xt, yt) = load_mnist()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert x.dtype == np.uint8 and set(np.unique(y)) == set(range(10))


def test_keras_downloader_is_the_fallback(monkeypatch):
    import keras

    monkeypatch.delenv(MNIST_PATH_ENV, raising=False)
    calls = []

    def fake_load_data():
        calls.append(1)
        z = np.zeros((1, 28, 28), np.uint8)
        return (z, np.zeros(1, np.uint8)), (z, np.zeros(1, np.uint8))

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_load_data)
    (x, _), _ = load_mnist()
    assert calls == [1] and x.shape == (1, 28, 28)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_mnist(tmp_path / "nope.npz")


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(y_test=None), "lacks"),
        (dict(x_train=np.zeros((5, 28, 28), np.float32)), "uint8"),
        (dict(x_train=np.zeros((5, 784), np.uint8)), "shape"),
        (dict(y_train=np.arange(4)), "labels"),
    ],
)
def test_malformed_file(tmp_path, overrides, match):
    path = _fake(tmp_path / "bad.npz", **overrides)
    with pytest.raises(ValueError, match=match):
        load_mnist(path)


def test_not_an_npz(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("not numpy")
    with pytest.raises(ValueError, match="text.npz"):
        load_mnist(path)
