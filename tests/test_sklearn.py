"""The scikit-learn contract: check_estimator, clone, pipelines, grid search."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from mnistgen import GANGenerator, VAEGenerator

from conftest import SMALL_GAN, SMALL_VAE

# scikit-learn's common checks feed float data such as make_blobs output or
# 3 * uniform(0, 1) that lies outside [0, 1]. mnistgen rejects such floats by
# design (they are not pixel intensities), so these checks fail at the input
# check, before reaching what they test. Each behaviour they would test is
# covered by mnistgen's own tests with valid images (named in the reason).
_OUT_OF_RANGE = "sklearn's check data has floats outside [0, 1], which are rejected by design"
_EXPECTED = {
    "check_estimators_dtypes": "test_validation.py::test_accepted_layouts_and_scaling",
    "check_estimators_fit_returns_self": "test_sklearn.py::test_fit_returns_self_and_leaves_params",
    "check_readonly_memmap_input": "test_sklearn.py::test_readonly_input",
    "check_pipeline_consistency": "test_vae.py::test_random_state_reproduces_weights_and_samples",
    "check_estimators_overwrite_params": "test_sklearn.py::test_fit_returns_self_and_leaves_params",
    "check_estimators_pickle": "test_persistence.py::test_pickle_round_trip",
    "check_f_contiguous_array_estimator": "test_sklearn.py::test_readonly_input",
    "check_transformer_data_not_an_array": "test_validation.py::test_accepted_layouts_and_scaling",
    "check_transformer_general": "test_vae.py::test_transform_gives_latent_means",
    "check_transformer_preserve_dtypes": "test_vae.py::test_transform_gives_latent_means",
    "check_methods_sample_order_invariance": "test_sklearn.py::test_methods_are_row_wise",
    "check_methods_subset_invariance": "test_sklearn.py::test_methods_are_row_wise",
    "check_fit2d_1sample": "test_sklearn.py::test_single_image_and_single_pixel",
    "check_fit2d_1feature": "test_sklearn.py::test_single_image_and_single_pixel",
    "check_fit2d_predict1d": "test_validation.py::test_fit_rejects_bad_images (1-D)",
    "check_dict_unchanged": "test_sklearn.py::test_methods_are_row_wise",
    "check_dont_overwrite_parameters": "test_sklearn.py::test_fit_returns_self_and_leaves_params",
    "check_fit_idempotent": "test_vae.py::test_random_state_reproduces_weights_and_samples",
    "check_fit_check_is_fitted": "test_validation.py::test_vae_not_fitted",
    "check_n_features_in": "test_sklearn.py::test_fit_returns_self_and_leaves_params",
    "check_n_features_in_after_fitting": "test_validation.py::test_pixel_count_must_match_fit",
}


def expected_failed_checks(estimator):
    return {name: f"{_OUT_OF_RANGE}; covered by {where}" for name, where in _EXPECTED.items()}


@parametrize_with_checks(
    [VAEGenerator(**SMALL_VAE), GANGenerator(**SMALL_GAN),
     GANGenerator(**SMALL_GAN, loss="hinge", spectral_norm=True, ema=0.9),
     VAEGenerator(**SMALL_VAE, latent_sampler=GaussianMixture(2))],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("est", [VAEGenerator(**SMALL_VAE), GANGenerator(**SMALL_GAN)])
def test_fit_returns_self_and_leaves_params(est, images):
    params = {k: v for k, v in est.get_params().items()}
    assert est.fit(images) is est
    assert est.get_params() == params  # fit does not change a parameter
    assert est.n_features_in_ == 64 and est.image_shape_ == (8, 8)
    fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    assert {"history_", "n_iter_", "n_features_in_", "image_shape_"} <= set(fitted)


@pytest.mark.parametrize("cls", [VAEGenerator, GANGenerator])
def test_constructor_only_stores(cls):
    est = cls(epochs=-5, batch_size="x")
    assert est.epochs == -5 and est.batch_size == "x"
    assert not [k for k in vars(est) if k.endswith("_")]


def test_clone_and_set_params(fitted_vae):
    c = clone(fitted_vae)
    assert c.get_params() == fitted_vae.get_params()
    assert not hasattr(c, "encoder_")
    c.set_params(latent_dim=5, hidden_units=(8,))
    assert c.latent_dim == 5 and fitted_vae.latent_dim == 2
    with pytest.raises(ValueError, match="no_such_param"):
        c.set_params(no_such_param=1)


def test_readonly_input(fitted_vae, images):
    ro = np.asfortranarray(images.reshape(len(images), -1))
    ro.setflags(write=False)
    np.testing.assert_array_equal(fitted_vae.transform(ro), fitted_vae.transform(images))
    VAEGenerator(**SMALL_VAE).fit(ro)


def test_methods_are_row_wise(fitted_vae, images):
    state = {k: v for k, v in vars(fitted_vae).items() if not k.endswith("_")}
    Z = fitted_vae.transform(images)
    perm = np.random.default_rng(0).permutation(len(images))
    np.testing.assert_allclose(fitted_vae.transform(images[perm]), Z[perm], atol=1e-6)
    np.testing.assert_allclose(fitted_vae.transform(images[:5]), Z[:5], atol=1e-6)
    s = fitted_vae.score_samples(images)
    np.testing.assert_allclose(fitted_vae.score_samples(images[perm]), s[perm], rtol=1e-5)
    assert {k: v for k, v in vars(fitted_vae).items() if not k.endswith("_")}.keys() == state.keys()


@pytest.mark.parametrize("cls, params", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
def test_single_image_and_single_pixel(cls, params):
    one = cls(**params).fit(np.full((1, 8, 8), 0.5))
    assert one.sample(2).shape == (2, 8, 8)
    pix = cls(**params).fit(np.random.default_rng(0).random((20, 1)))
    assert pix.sample(3).shape == (3, 1)


def test_tags():
    tags = VAEGenerator().__sklearn_tags__()
    assert tags.transformer_tags is not None and tags.target_tags.required is False
    assert tags.input_tags.positive_only
    assert GANGenerator().__sklearn_tags__().transformer_tags is None


def test_pipeline_passes_y(mnist):
    """VAE latents feed a classifier far above chance (10 %)."""
    x_train, y_train, x_test, y_test = mnist
    pipe = Pipeline([
        ("vae", VAEGenerator(latent_dim=8, epochs=10, random_state=0)),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(x_train, y_train)
    accuracy = pipe.score(x_test[:1000], y_test[:1000])
    assert accuracy > 0.7, accuracy


def test_grid_search_over_latent_dim(mnist):
    x_train = mnist[0][:600]
    search = GridSearchCV(
        VAEGenerator(hidden_units=(64,), epochs=2, batch_size=50, random_state=0),
        {"latent_dim": [2, 4]}, cv=2,
    ).fit(x_train)
    assert search.best_params_["latent_dim"] in (2, 4)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)  # held-out ELBO in nats
    assert search.best_estimator_.transform(x_train[:3]).shape == (3, search.best_params_["latent_dim"])
