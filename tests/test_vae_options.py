"""The VAE options beyond the report: ex-post latent samplers and the
importance-weighted likelihood bound."""
import os
import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity

from mnistgen import VAEGenerator, load

from conftest import SMALL_VAE


def test_sampler_is_fitted_on_the_training_latents_and_used_by_sample(images):
    vae = VAEGenerator(latent_sampler=GaussianMixture(2, random_state=0), **SMALL_VAE).fit(images)
    (sampler,) = vae.latent_samplers_
    want = clone(vae.latent_sampler).fit(vae.transform(images))
    np.testing.assert_allclose(sampler.means_, want.means_, rtol=1e-5, atol=1e-6)
    assert vae.latent_sampler.__dict__.get("means_") is None  # the parameter stays unfitted
    # sample decodes codes drawn from the fitted mixture, not from N(0, I)
    plain = VAEGenerator(**SMALL_VAE).fit(images)
    assert not np.allclose(vae.sample(8, random_state=0), plain.sample(8, random_state=0))
    codes = vae.transform(vae.sample(2000, random_state=0).reshape(2000, -1))
    assert codes.shape == (2000, 2)


def test_fit_latent_sampler_fits_a_trained_model_as_fit_would(images, tmp_path):
    """A sampler fitted after training equals the one fit makes; None goes back to the prior;
    the networks are untouched; a conditional model needs its labels."""
    with_gmm = VAEGenerator(latent_sampler=GaussianMixture(2), **SMALL_VAE).fit(images)
    plain = VAEGenerator(**SMALL_VAE).fit(images)
    prior = plain.sample(8, random_state=0)
    weights = [w.copy() for w in plain.decoder_.get_weights()]
    plain.set_params(latent_sampler=GaussianMixture(2)).fit_latent_sampler(images)
    np.testing.assert_allclose(plain.latent_samplers_[0].means_, with_gmm.latent_samplers_[0].means_,
                               rtol=1e-6)
    np.testing.assert_array_equal(plain.sample(8, random_state=0), with_gmm.sample(8, random_state=0))
    assert all(np.array_equal(a, b) for a, b in zip(weights, plain.decoder_.get_weights()))
    again = load(plain.save(os.path.join(tmp_path, "v.mnistgen")))
    np.testing.assert_array_equal(again.sample(8, random_state=0), with_gmm.sample(8, random_state=0))
    plain.set_params(latent_sampler=None).fit_latent_sampler(images)
    assert not hasattr(plain, "latent_samplers_")
    np.testing.assert_array_equal(plain.sample(8, random_state=0), prior)
    y = np.arange(len(images)) % 3
    cvae = VAEGenerator(conditional=True, **SMALL_VAE).fit(images, y)
    cvae.set_params(latent_sampler=GaussianMixture(1))
    with pytest.raises(ValueError, match="fit_latent_sampler"):
        cvae.fit_latent_sampler(images)
    assert len(cvae.fit_latent_sampler(images, y).latent_samplers_) == 3
    with pytest.raises(ValueError, match="latent_sampler"):
        VAEGenerator(**SMALL_VAE).fit(images).set_params(latent_sampler="gmm").fit_latent_sampler(images)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        VAEGenerator(latent_sampler=GaussianMixture(2)).fit_latent_sampler(images)


def test_sampler_draws_are_reproducible_and_in_random_order(images):
    vae = VAEGenerator(latent_sampler=GaussianMixture(3), **SMALL_VAE).fit(images)
    a = vae.sample(50, random_state=1)
    np.testing.assert_array_equal(a, vae.sample(50, random_state=1))
    assert not np.array_equal(a, vae.sample(50, random_state=2))
    from mnistgen._latent_samplers import draw

    z = draw(vae.latent_samplers_, 300, None, np.random.RandomState(0))
    labels = vae.latent_samplers_[0].predict(z)
    assert len(set(labels[:30])) > 1  # mixtures return draws by component: shuffled


class RecordingSampler(BaseEstimator):
    """A latent sampler that keeps the rows it was fitted on and draws from them."""

    def fit(self, X, y=None):
        self.X_ = np.array(X)
        return self

    def sample(self, n_samples=1, random_state=None):
        rows = np.random.RandomState(random_state).randint(len(self.X_), size=n_samples)
        return self.X_[rows]


def test_conditional_vae_fits_one_sampler_per_class(images):
    y = np.arange(len(images)) % 3
    vae = VAEGenerator(conditional=True, latent_sampler=RecordingSampler(),
                       **SMALL_VAE).fit(images, y)
    assert len(vae.latent_samplers_) == 3
    Z = vae.transform(images, y)
    for c, sampler in enumerate(vae.latent_samplers_):
        np.testing.assert_allclose(np.sort(sampler.X_, axis=0),
                                   np.sort(Z[y == c], axis=0), rtol=1e-5, atol=1e-6)
    assert vae.sample(5, y=2).shape == (5, 8, 8)


@pytest.mark.parametrize("sampler", [GaussianMixture(2), BayesianGaussianMixture(n_components=2),
                                     KernelDensity(bandwidth=0.2)])
def test_sampler_survives_save_load_pickle_clone_and_partial_fit(sampler, images, tmp_path):
    vae = VAEGenerator(latent_sampler=sampler, **SMALL_VAE).fit(images)
    drawn = vae.sample(6, random_state=3)
    for again in (load(vae.save(os.path.join(tmp_path, "v.mnistgen"))),
                  pickle.loads(pickle.dumps(vae))):
        np.testing.assert_array_equal(again.sample(6, random_state=3), drawn)
        assert type(again.latent_sampler) is type(sampler)
    assert type(clone(vae).latent_sampler) is type(sampler)
    vae.partial_fit(images[:60])  # refitted on the latents of this call's images
    Z = vae.transform(images[:60]).astype(np.float64)
    refitted = vae.latent_samplers_[0]
    np.testing.assert_allclose(refitted.score_samples(Z), clone(refitted).fit(Z).score_samples(Z),
                               rtol=1e-5, atol=1e-5)


def test_a_sampler_save_cannot_restore_is_refused(images, tmp_path):
    from sklearn.mixture import GaussianMixture as GM

    class MySampler(GM):
        pass

    vae = VAEGenerator(latent_sampler=MySampler(2), **SMALL_VAE).fit(images)
    with pytest.raises(TypeError, match="cannot be saved without pickle"):
        vae.save(os.path.join(tmp_path, "v.mnistgen"))


def test_bad_samplers_are_clear_errors(images):
    with pytest.raises(TypeError, match="latent_sampler"):
        VAEGenerator(latent_sampler="gmm", **SMALL_VAE).fit(images)
    with pytest.raises(ValueError, match="latent_sampler could not be fitted"):
        VAEGenerator(latent_sampler=GaussianMixture(500), **SMALL_VAE).fit(images)


def test_importance_weighted_bound_matches_a_hand_computation():
    """log mean_i p(x|z_i) p(z_i) / q(z_i|x) on a tiny network, computed in NumPy."""
    from scipy.special import expit, logsumexp

    from mnistgen._vae_trainer import importance_weighted_bound
    from mnistgen.networks import build_vae_decoder, build_vae_encoder

    rng = np.random.default_rng(0)
    enc = build_vae_encoder(4, (3,), 2, seed=0)
    dec = build_vae_decoder(4, (3,), 2, seed=0)
    x = rng.random((5, 4)).astype(np.float32)
    eps = rng.standard_normal((7, 2)).astype(np.float32)
    got = importance_weighted_bound(enc, dec, x, eps)

    (w1, b1), (wm, bm), (wv, bv) = [l.get_weights() for l in enc.layers if l.get_weights()]
    h = np.maximum(x @ w1 + b1, 0)
    mean, log_var = h @ wm + bm, h @ wv + bv
    (d1, c1), (d2, c2) = [l.get_weights() for l in dec.layers if l.get_weights()]
    z = mean[None] + np.exp(0.5 * log_var)[None] * eps[:, None]
    p = np.clip(expit(np.maximum(z @ d1 + c1, 0) @ d2 + c2), 1e-7, 1 - 1e-7)
    log_px = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)
    log_pz = -0.5 * np.sum(np.log(2 * np.pi) + z**2, axis=-1)
    log_qz = -0.5 * np.sum(np.log(2 * np.pi) + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1)
    want = logsumexp(log_px + log_pz - log_qz, axis=0) - np.log(7)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_more_importance_samples_tighten_the_bound(mnist):
    x_train, _, x_test, _ = mnist
    vae = VAEGenerator(epochs=2, random_state=0).fit(x_train[:2000])
    elbo = vae.score(x_test[:300])
    assert vae.score(x_test[:300], n_importance=1) == elbo  # 1 is the ELBO
    tighter = vae.score(x_test[:300], n_importance=100)
    assert elbo < tighter < 0
    per_image = vae.score_samples(x_test[:40], n_importance=100)
    np.testing.assert_array_equal(per_image[:10], vae.score_samples(x_test[:10], n_importance=100))


@pytest.mark.parametrize("value, error", [(0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_n_importance(value, error, fitted_vae, images):
    with pytest.raises(error, match="n_importance must be a positive integer"):
        fitted_vae.score_samples(images, n_importance=value)


def test_samplers_fit_in_float64_so_nearly_singular_latents_neither_fail_nor_warn():
    """Latents are float32; the samplers are fitted on them as float64, so
    nearly collinear codes neither fail to fit nor warn when sampling."""
    import warnings

    from mnistgen._latent_samplers import draw, fit_samplers

    rng = np.random.default_rng(0)
    t = rng.normal(size=(5000, 1))
    Z = np.hstack([t, t + 1e-3 * rng.normal(size=(5000, 1)), rng.normal(size=(5000, 1))])
    Z = Z.astype(np.float32)
    fitted_on = []

    class SpyMixture(GaussianMixture):  # keeps GaussianMixture's __init__, so clone works
        def fit(self, X, y=None):
            fitted_on.append(X.dtype)
            return super().fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samplers = fit_samplers(SpyMixture(3), Z, None, seed=0)
        z = draw(samplers, 1000, None, np.random.RandomState(0))
    assert z.dtype == np.float32 and z.shape == (1000, 3)
    assert fitted_on == [np.float64]
