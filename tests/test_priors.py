"""``prior``: the VAE's N(0, I) (the report's) or a mixture of Gaussians
learned with the networks, its KL term, sampling, saving and command line."""
import pickle

import numpy as np
import pytest

from mnistgen import VAEGenerator, load
from mnistgen._objectives import VAE_OBJECTIVES
from mnistgen._vae_trainer import gaussian_kl, kl_term, log_prior

from conftest import SMALL_VAE, train_vae_option_on_the_command_line

MIXTURE = dict(SMALL_VAE, latent_dim=3, prior="mixture", prior_components=4)


def _set_mixture(vae, means, log_vars, logits):
    layer = vae.prior_.get_layer("mixture")
    for weight, value in zip((layer.means, layer.log_vars, layer.logits), (means, log_vars, logits)):
        weight.assign(np.asarray(value, dtype=np.float32))


def test_the_normal_prior_is_the_report_loss(mnist):
    """The default trains exactly as ``prior`` did not exist, with no prior network."""
    X = mnist[0][:320]
    default, normal = VAEGenerator(**SMALL_VAE).fit(X), VAEGenerator(**SMALL_VAE, prior="normal").fit(X)
    assert default.history_ == normal.history_
    assert not hasattr(default, "prior_")
    assert default._network_attributes == ("encoder_", "decoder_")


def test_the_mixture_log_density_and_kl_term_by_hand():
    """log p(z) is the mixture's log-density; the KL term is log q(z|x) - log p(z) at z,
    whose mean over draws is the analytic KL when the mixture is N(0, I)."""
    from mnistgen._mixture_prior import build_mixture_prior

    rng = np.random.default_rng(0)
    prior = build_mixture_prior(latent_dim=2, n_components=3, seed=0)
    means, log_vars = rng.normal(size=(3, 2)), rng.normal(scale=0.3, size=(3, 2))
    logits = np.array([0.5, -1.0, 2.0])
    layer = prior.get_layer("mixture")
    for weight, value in zip((layer.means, layer.log_vars, layer.logits), (means, log_vars, logits)):
        weight.assign(value.astype(np.float32))
    z = rng.normal(size=(5, 2)).astype(np.float32)
    weights = np.exp(logits) / np.exp(logits).sum()
    density = sum(w * np.prod(np.exp(-0.5 * (z - m) ** 2 / np.exp(v)) / np.sqrt(2 * np.pi * np.exp(v)),
                              axis=1) for w, m, v in zip(weights, means, log_vars))
    np.testing.assert_allclose(np.asarray(log_prior(z, prior)), np.log(density), rtol=1e-5)
    # leading axes are kept: (k, n, latent) -> (k, n)
    assert tuple(log_prior(np.stack([z, z]), prior).shape) == (2, 5)

    # one component at N(0, I): the estimate averages to the analytic KL
    for weight, value in zip((layer.means, layer.log_vars, layer.logits),
                             (np.zeros((3, 2)), np.zeros((3, 2)), np.zeros(3))):
        weight.assign(value.astype(np.float32))
    mean = np.tile(np.array([[0.7, -0.4]], np.float32), (20000, 1))
    log_var = np.tile(np.array([[-1.0, 0.5]], np.float32), (20000, 1))
    draws = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape).astype(np.float32)
    estimate = np.asarray(kl_term(draws, mean, log_var, prior))
    analytic = float(np.asarray(gaussian_kl(mean[:1], log_var[:1]))[0])
    assert abs(estimate.mean() - analytic) < 4 * estimate.std() / np.sqrt(len(estimate))
    np.testing.assert_allclose(np.asarray(kl_term(draws[:3], mean[:3], log_var[:3])), analytic,
                               rtol=1e-5)


def test_a_mixture_prior_trains_with_the_networks_reproducibly(mnist):
    X = mnist[0][:640]
    vae = VAEGenerator(**dict(MIXTURE, epochs=3)).fit(X)
    again = VAEGenerator(**dict(MIXTURE, epochs=3)).fit(X)
    assert vae.history_ == again.history_
    assert vae.history_["loss"][-1] < vae.history_["loss"][0]
    assert vae.history_ != VAEGenerator(**dict(SMALL_VAE, latent_dim=3, epochs=3)).fit(X).history_
    np.testing.assert_allclose(vae.history_["loss"], np.add(vae.history_["reconstruction_loss"],
                                                            vae.history_["kl_loss"]), rtol=1e-5)
    means = vae.prior_.get_layer("mixture").means.numpy().copy()
    assert means.shape == (4, 3)
    vae.partial_fit(X)
    assert not np.allclose(vae.prior_.get_layer("mixture").means.numpy(), means)
    np.testing.assert_array_equal(again.sample(5, random_state=1), again.sample(5, random_state=1))


def test_sampling_draws_from_the_learned_mixture(mnist):
    vae = VAEGenerator(**dict(MIXTURE, epochs=1)).fit(mnist[0][:200])
    means = np.zeros((4, 3))
    means[:, 0] = [-10, 10, 0, 5]
    logits = np.log([0.7, 0.3, 1e-9, 1e-9])
    _set_mixture(vae, means, np.full((4, 3), np.log(1e-4)), logits)
    codes = vae._latents(4000, None, np.random.RandomState(0))
    assert codes.dtype == np.float32 and codes.shape == (4000, 3)
    nearest = np.abs(codes[:, None, :] - means[None]).max(axis=2).min(axis=1)
    assert nearest.max() < 0.1
    assert abs(np.mean(codes[:, 0] < 0) - 0.7) < 0.03
    images = vae.sample(6, random_state=0)
    assert images.shape == (6, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, vae.sample(6, random_state=0))


def test_a_latent_sampler_replaces_the_learned_prior_when_sampling(mnist):
    from sklearn.mixture import GaussianMixture

    X = mnist[0][:200]
    vae = VAEGenerator(**dict(MIXTURE, epochs=1), latent_sampler=GaussianMixture(2)).fit(X)
    _set_mixture(vae, np.full((4, 3), 50.0), np.zeros((4, 3)), np.zeros(4))
    codes = vae._latents(50, None, np.random.RandomState(0))
    assert np.abs(codes).max() < 40  # the sampler's codes, near the training latents


def test_the_bounds_of_a_mixture_prior(mnist):
    X = mnist[0][:320]
    vae = VAEGenerator(**dict(MIXTURE, epochs=2)).fit(X)
    elbo = vae.score_samples(X[:50])
    bound = vae.score_samples(X[:50], n_importance=64)
    assert np.all(np.isfinite(elbo)) and np.all(elbo < 0)
    assert bound.mean() > elbo.mean()
    # the IWAE objective is minus the same bound
    x = X[:7].reshape(7, -1).astype(np.float32) / 255
    shared = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    loss, _, kl = VAE_OBJECTIVES["iwae"].per_image(
        x, None, np.tile(shared.reshape(1, -1), (7, 1)), vae.encoder_, vae.decoder_,
        vae._likelihood, lambda t: t, vae.prior_)
    from mnistgen._vae_trainer import importance_weighted_bound

    np.testing.assert_allclose(-np.asarray(loss), importance_weighted_bound(
        vae.encoder_, vae.decoder_, x, shared, likelihood=vae._likelihood, prior=vae.prior_),
        rtol=1e-5)
    assert np.all(np.isfinite(kl))


def test_a_mixture_prior_saves_loads_pickles_and_trains_on(mnist, tmp_path):
    X = mnist[0][:320]
    vae = VAEGenerator(**dict(MIXTURE, epochs=1)).fit(X)
    for again in (load(vae.save(tmp_path / "vae.mnistgen")), pickle.loads(pickle.dumps(vae))):
        assert (again.prior, again.prior_components) == ("mixture", 4)
        np.testing.assert_array_equal(again.sample(5, random_state=2), vae.sample(5, random_state=2))
        assert again.score(X[:20]) == vae.score(X[:20])
    again = load(tmp_path / "vae.mnistgen")
    vae.partial_fit(X)
    again.partial_fit(X)
    assert again.history_["loss"] == vae.history_["loss"]
    np.testing.assert_array_equal(again.prior_.get_layer("mixture").logits.numpy(),
                                  vae.prior_.get_layer("mixture").logits.numpy())


def test_a_conditional_conv_vae_with_a_mixture_prior(mnist):
    X, y = mnist[0][:200], mnist[1][:200]
    vae = VAEGenerator(architecture="conv", conv_filters=(4, 8), conv_dense_units=(16,),
                       latent_dim=4, conditional=True, prior="mixture", prior_components=3,
                       objective="iwae", importance_samples=2, epochs=2, batch_size=50,
                       random_state=0).fit(X, y)
    assert np.all(np.isfinite(vae.history_["loss"]))
    assert vae.sample(4, y=[0, 1, 2, 3]).shape == (4, 28, 28)
    assert np.isfinite(vae.score(X[:10], y[:10], n_importance=3))


@pytest.mark.parametrize("params, match", [
    ({"prior": "vamp"}, "prior"),
    ({"prior": None}, "prior"),
    ({"prior": "mixture", "prior_components": 0}, "prior_components"),
    ({"prior": "mixture", "prior_components": 2.5}, "prior_components"),
    ({"prior_components": "10"}, "prior_components"),
])
def test_bad_priors_are_refused(params, match, images):
    with pytest.raises(ValueError, match=match):
        VAEGenerator(**params, epochs=1).fit(images)


def test_the_prior_from_the_command_line(tmp_path, capsys):
    est = train_vae_option_on_the_command_line(
        tmp_path, capsys, ["--prior", "mixture", "--prior-components", "3"], bad="vamp")
    assert (est.prior, est.prior_components, est.prior_.get_layer("mixture").n_components) == \
        ("mixture", 3, 3)


def test_the_prior_cannot_change_on_a_warm_start(mnist):
    X = mnist[0][:200]
    vae = VAEGenerator(**dict(MIXTURE, epochs=1)).fit(X)
    for change in ({"prior": "normal"}, {"prior_components": 5}):
        vae.set_params(**change)
        with pytest.raises(ValueError, match="prior or prior_components was changed after fitting"):
            vae.partial_fit(X)
        vae.set_params(**{k: MIXTURE[k] for k in change})
    normal = VAEGenerator(**dict(SMALL_VAE, epochs=1, warm_start=True)).fit(X)
    with pytest.raises(ValueError, match=r"now prior='mixture', prior_components=10"):
        normal.set_params(prior="mixture").fit(X)
    assert normal.set_params(warm_start=False).fit(X).prior_ is not None  # a fresh fit builds it


def test_a_fresh_fit_without_the_learned_prior_drops_it(mnist):
    X = mnist[0][:200]
    vae = VAEGenerator(**dict(MIXTURE, epochs=1)).fit(X)
    vae.set_params(prior="normal").fit(X)
    assert not hasattr(vae, "prior_")
    assert vae._network_attributes == ("encoder_", "decoder_")
    assert vae.sample(3).shape == (3, 28, 28)
    np.testing.assert_array_equal(vae.history_["loss"],
                                  VAEGenerator(**dict(SMALL_VAE, latent_dim=3, epochs=1))
                                  .fit(X).history_["loss"])
