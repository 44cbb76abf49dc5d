"""Your own data: folders and files of images, colour, other sizes, Fashion-MNIST."""
import gzip

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator, load
from mnistgen.datasets import FASHION_MNIST_FILES, FASHION_MNIST_PATH_ENV, load_fashion_mnist, load_images

from conftest import SMALL_GAN, SMALL_VAE


def _write_pngs(root, images, labels=None):
    """PNG files under ``root`` (one sub-folder per label, if given)."""
    import keras

    for i, image in enumerate(images):
        folder = root if labels is None else root / f"class_{labels[i]}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = image if image.ndim == 3 else image[..., None]
        keras.utils.save_img(folder / f"{i:03d}.png", pixels, scale=False)


def test_a_folder_of_greyscale_pngs_with_class_subfolders(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 12, 10), dtype=np.uint8)
    labels = np.array([0, 0, 1, 1, 2, 2])
    _write_pngs(tmp_path, images, labels)
    data = load_images(tmp_path)
    assert data.target_names == ["class_0", "class_1", "class_2"]
    assert data.data.dtype == np.uint8 and data.data.shape == (6, 12, 10)
    np.testing.assert_array_equal(data.data, images)  # nothing lost on the way
    np.testing.assert_array_equal(data.target, labels)


def test_a_folder_of_rgb_pngs_without_classes(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    _write_pngs(tmp_path, images)
    data = load_images(tmp_path)
    assert data.target is None and data.target_names is None
    np.testing.assert_array_equal(data.data, images)
    assert load_images(tmp_path, color_mode="grayscale").data.shape == (3, 8, 8)
    assert load_images(tmp_path, image_size=(4, 4)).data.shape == (3, 4, 4, 3)


def test_npz_and_npy_files_with_any_array_names(tmp_path):
    X = np.random.default_rng(2).random((5, 6, 6)).astype(np.float32)
    np.savez(tmp_path / "a.npz", scans=X, kind=np.arange(5))
    data = load_images(tmp_path / "a.npz")
    np.testing.assert_array_equal(data.data, X)
    assert data.target.tolist() == [0, 1, 2, 3, 4]
    np.savez(tmp_path / "b.npz", a=X, b=X, c=np.arange(5))
    with pytest.raises(ValueError, match="images_key"):
        load_images(tmp_path / "b.npz")
    assert load_images(tmp_path / "b.npz", images_key="b", labels_key="c").data.shape == (5, 6, 6)
    with pytest.raises(ValueError, match="no array 'z'"):
        load_images(tmp_path / "b.npz", images_key="z")
    np.save(tmp_path / "c.npy", X)
    assert load_images(tmp_path / "c.npy").target is None


@pytest.mark.parametrize("make, error, match", [
    (lambda p: p / "missing", FileNotFoundError, "No such file or folder"),
    (lambda p: p, ValueError, "No images found"),
    (lambda p: (p / "x.txt").write_text("hi") and p / "x.txt", ValueError, "expected a folder"),
])
def test_bad_paths_are_named(tmp_path, make, error, match):
    (tmp_path / "empty").mkdir()
    path = make(tmp_path / "empty") if match == "No images found" else make(tmp_path)
    with pytest.raises(error, match=match):
        load_images(path)


def _idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_a_folder_of_idx_files_and_the_environment(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    arrays = [rng.integers(0, 256, (4, 28, 28)), rng.integers(0, 10, 4),
              rng.integers(0, 256, (2, 28, 28)), rng.integers(0, 10, 2)]
    for name, array in zip(FASHION_MNIST_FILES, arrays):
        _idx(tmp_path / name, array, 2051 if array.ndim == 3 else 2049)
    (x, y), (xt, yt) = load_fashion_mnist(tmp_path)
    np.testing.assert_array_equal(x, arrays[0])
    np.testing.assert_array_equal(yt, arrays[3])
    monkeypatch.setenv(FASHION_MNIST_PATH_ENV, str(tmp_path))
    assert load_fashion_mnist()[1][0].shape == (2, 28, 28)
    (tmp_path / FASHION_MNIST_FILES[0]).unlink()
    with pytest.raises(ValueError, match="lacks"):
        load_fashion_mnist(tmp_path)


def test_fashion_mnist_falls_back_to_keras(monkeypatch):
    import keras

    monkeypatch.delenv(FASHION_MNIST_PATH_ENV, raising=False)
    z = np.zeros((1, 28, 28), np.uint8)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data",
                        lambda: ((z, np.zeros(1, np.uint8)), (z, np.zeros(1, np.uint8))))
    assert load_fashion_mnist()[0][0].shape == (1, 28, 28)


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
@pytest.mark.parametrize("cls, params", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
def test_32x32_rgb_images_train_sample_and_round_trip(tmp_path, cls, params, architecture):
    X = np.random.default_rng(4).integers(0, 256, (48, 32, 32, 3), dtype=np.uint8)
    est = cls(**{**params, "architecture": architecture}).fit(X)
    assert est.image_shape_ == (32, 32, 3) and est.n_features_in_ == 3072
    samples = est.sample(5, random_state=0)
    assert samples.shape == (5, 32, 32, 3) and samples.dtype == np.float32
    assert 0.0 <= samples.min() and samples.max() <= 1.0
    loaded = load(est.save(tmp_path / "rgb.mnistgen"))
    np.testing.assert_array_equal(loaded.sample(5, random_state=0), samples)
    with pytest.raises(ValueError, match="32x32x3"):
        est.partial_fit(X[..., 0])


def test_conditional_conv_model_on_labels_from_folder_names(tmp_path):
    images = np.random.default_rng(5).integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    _write_pngs(tmp_path, images, np.arange(12) % 3)
    data = load_images(tmp_path)
    est = VAEGenerator(**SMALL_VAE, architecture="conv", conditional=True).fit(data.data, data.target)
    assert est.classes_.tolist() == [0, 1, 2]
    assert est.sample(4, y=2).shape == (4, 16, 16, 3)


@pytest.mark.parametrize("shape, nearest", [((30, 30), "28x28 and 32x32"), ((28, 30), "28x28 and 28x32")])
def test_conv_size_error_names_the_nearest_sizes(shape, nearest):
    with pytest.raises(ValueError, match=nearest):
        GANGenerator(**SMALL_GAN, architecture="conv").fit(np.zeros((4,) + shape))
