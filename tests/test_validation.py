"""Every bad input raises ValueError/TypeError naming the problem."""
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from mnistgen import GANGenerator, VAEGenerator
from mnistgen._validation import check_images

from conftest import SMALL_GAN, SMALL_VAE


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.full((4, 8, 8), np.nan, dtype=np.float32), ValueError, "NaN or infinity"),
        (np.full((4, 8, 8), np.inf), ValueError, "NaN or infinity"),
        (np.full((4, 64), 1.5), ValueError, r"must lie in \[0, 1\]"),
        (np.full((4, 64), -0.1), ValueError, "Negative values"),
        (np.full((4, 64), -3, dtype=np.int64), ValueError, "0-255"),
        (np.full((4, 64), 300, dtype=np.int64), ValueError, "0-255"),
        (np.zeros((0, 8, 8), dtype=np.uint8), ValueError, "empty"),
        (np.zeros((4, 0)), ValueError, "0 feature"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "numbers"),
        (np.array([[{"x": 1}, 0.5]], dtype=object), TypeError, "numbers only"),
        (np.zeros((4, 64), dtype=complex), ValueError, "Complex"),
        (np.zeros(64), ValueError, "1-D"),
        (np.zeros((2, 2, 2, 2, 2)), ValueError, "5 dimension"),
        ("not an array", TypeError, "array-like"),
        (None, TypeError, "array-like"),
        ([[0.1, 0.2], [0.3]], ValueError, "rectangular"),
    ],
)
@pytest.mark.parametrize("cls, params", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
def test_fit_rejects_bad_images(cls, params, X, error, match):
    with pytest.raises(error, match=match):
        cls(**params).fit(X)


def test_sparse_input_is_rejected():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported"):
        VAEGenerator(**SMALL_VAE).fit(scipy_sparse.csr_matrix(np.zeros((4, 64))))


def test_accepted_layouts_and_scaling():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (5, 6, 6), dtype=np.uint8)
    flat, image_shape, row_shape = check_images(u8)
    assert flat.dtype == np.float32 and flat.shape == (5, 36)
    np.testing.assert_allclose(flat, u8.reshape(5, 36) / 255.0, rtol=1e-6)
    assert image_shape == (6, 6) and row_shape == (6, 6)
    _, image_shape, row_shape = check_images(u8[..., None])
    assert image_shape == (6, 6) and row_shape == (6, 6, 1)
    _, image_shape, _ = check_images(rng.random((3, 10)))
    assert image_shape == (1, 10)  # not square: one row of 10 pixels
    flat, _, _ = check_images(np.ones((2, 4), dtype=bool))
    assert flat.dtype == np.float32 and flat.max() == 1.0
    flat, _, _ = check_images([[0.0, 0.5], [1.0, 0.25]])  # nested lists
    assert flat.shape == (2, 2)


@pytest.mark.parametrize("est", ["fitted_vae", "fitted_gan"])
def test_pixel_count_must_match_fit(est, request):
    est = request.getfixturevalue(est)
    with pytest.raises(ValueError, match="64 features"):
        est.partial_fit(np.zeros((3, 10, 10), dtype=np.uint8))


def test_image_size_must_match_fit(fitted_vae):
    with pytest.raises(ValueError, match="fitted on 8x8"):
        fitted_vae.transform(np.zeros((3, 4, 16)))
    with pytest.raises(ValueError, match="64 features"):
        fitted_vae.transform(np.zeros((3, 63)))
    # the same pixels in another layout are fine
    assert fitted_vae.transform(np.zeros((3, 64))).shape == (3, 2)
    assert fitted_vae.transform(np.zeros((3, 8, 8, 1))).shape == (3, 2)


@pytest.mark.parametrize("est", ["fitted_vae", "fitted_gan"])
@pytest.mark.parametrize(
    "n, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError), (None, TypeError)]
)
def test_n_samples_must_be_positive_int(est, n, error, request):
    est = request.getfixturevalue(est)
    with pytest.raises(error, match="n_samples must be a positive integer"):
        est.sample(n)


def test_numpy_integer_n_samples_is_fine(fitted_vae):
    assert fitted_vae.sample(np.int64(3)).shape == (3, 8, 8)


@pytest.mark.parametrize(
    "method, args",
    [("sample", (2,)), ("transform", (np.zeros((2, 64)),)), ("inverse_transform", (np.zeros((2, 2)),)),
     ("score_samples", (np.zeros((2, 64)),)), ("score", (np.zeros((2, 64)),)), ("save", ("x.mnistgen",))],
)
def test_vae_not_fitted(method, args):
    with pytest.raises(NotFittedError):
        getattr(VAEGenerator(), method)(*args)


@pytest.mark.parametrize("method, args", [("sample", (2,)), ("save", ("x.mnistgen",))])
def test_gan_not_fitted(method, args):
    with pytest.raises(NotFittedError):
        getattr(GANGenerator(), method)(*args)


@pytest.mark.parametrize(
    "cls, param, value, error, match",
    [
        (VAEGenerator, "epochs", 0, ValueError, "epochs"),
        (VAEGenerator, "epochs", 2.5, TypeError, "epochs"),
        (VAEGenerator, "batch_size", "64", TypeError, "batch_size"),
        (VAEGenerator, "latent_dim", 0, ValueError, "latent_dim"),
        (VAEGenerator, "hidden_units", (), ValueError, "hidden_units"),
        (VAEGenerator, "hidden_units", (16, -1), ValueError, "hidden_units"),
        (VAEGenerator, "learning_rate", -1.0, ValueError, "learning_rate"),
        (VAEGenerator, "learning_rate", float("nan"), ValueError, "learning_rate"),
        (VAEGenerator, "verbose", 5, ValueError, "verbose"),
        (VAEGenerator, "callbacks", "early", TypeError, "callbacks"),
        (VAEGenerator, "callbacks", [object()], TypeError, "callbacks"),
        (VAEGenerator, "warm_start", "yes", TypeError, "warm_start"),
        (VAEGenerator, "random_state", "seed", ValueError, "random_state"),
        (GANGenerator, "beta_1", 1.0, ValueError, "beta_1"),
        (GANGenerator, "generator_units", "wide", TypeError, "generator_units"),
        (GANGenerator, "discriminator_units", (0,), ValueError, "discriminator_units"),
    ],
)
def test_bad_parameters_raise_at_fit(cls, param, value, error, match, images):
    est = cls(**{param: value})  # the constructor only stores
    assert est.get_params()[param] is value
    with pytest.raises(error, match=match):
        est.fit(images)


def test_inverse_transform_checks_codes(fitted_vae):
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        fitted_vae.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        fitted_vae.inverse_transform(np.full((3, 2), np.nan))
    with pytest.raises(TypeError):
        fitted_vae.inverse_transform("codes")
