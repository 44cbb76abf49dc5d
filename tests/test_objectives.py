"""``objective``: the VAE trained on the negative ELBO (the report's) or on
the importance-weighted bound, and the command line's choice of it."""
import numpy as np
import pytest

from mnistgen import VAEGenerator, load
from mnistgen._objectives import VAE_OBJECTIVES
from mnistgen._vae_trainer import importance_weighted_bound, log_weights

from conftest import SMALL_VAE, train_vae_option_on_the_command_line


def test_the_iwae_loss_is_minus_the_bound_that_score_samples_reports(mnist):
    vae = VAEGenerator(**dict(SMALL_VAE, epochs=1)).fit(mnist[0][:200])
    x = mnist[0][:7].reshape(7, -1).astype(np.float32) / 255
    shared = np.random.default_rng(1).standard_normal((5, vae.latent_dim)).astype(np.float32)
    # every image gets the same five draws, laid out as the input pipeline's rows
    eps = np.tile(shared.reshape(1, -1), (7, 1))
    loss, reconstruction, kl = VAE_OBJECTIVES["iwae"].per_image(
        x, None, eps, vae.encoder_, vae.decoder_, vae._likelihood, lambda t: t)
    bound = importance_weighted_bound(vae.encoder_, vae.decoder_, x, shared,
                                      likelihood=vae._likelihood)
    np.testing.assert_allclose(-np.asarray(loss), bound, rtol=1e-5)
    # the bound is at least the mean of the draws' log-weights (Jensen)
    mean, log_var = vae.encoder_(x)
    log_px, log_ratio = log_weights(x, mean, log_var, shared[:, None, :], vae.decoder_,
                                    likelihood=vae._likelihood)
    assert np.all(bound >= np.mean(np.asarray(log_px + log_ratio), axis=0) - 1e-4)
    np.testing.assert_allclose(reconstruction, -np.mean(np.asarray(log_px), axis=0), rtol=1e-5)
    assert np.all(np.asarray(kl) >= 0)


def test_the_elbo_objective_is_the_report_loss(mnist):
    """The default trains exactly as ``objective`` did not exist (same draws, same loss)."""
    X = mnist[0][:320]
    params = dict(SMALL_VAE, epochs=2)
    default, elbo = VAEGenerator(**params).fit(X), VAEGenerator(**params, objective="elbo").fit(X)
    assert default.history_ == elbo.history_
    history = default.history_
    np.testing.assert_allclose(history["loss"], np.add(history["reconstruction_loss"],
                                                       history["kl_loss"]), rtol=1e-5)


def test_iwae_training_lowers_its_loss_reproducibly_and_tightens_the_bound(mnist):
    X = mnist[0][:640]
    params = dict(SMALL_VAE, epochs=3, objective="iwae", importance_samples=4)
    iwae = VAEGenerator(**params).fit(X)
    again = VAEGenerator(**params).fit(X)
    assert iwae.history_ == again.history_
    assert iwae.history_["loss"][-1] < iwae.history_["loss"][0]
    # the loss is minus a bound at least the draws' mean ELBO: below reconstruction + KL
    assert iwae.history_["loss"][-1] < (iwae.history_["reconstruction_loss"][-1]
                                        + iwae.history_["kl_loss"][-1])
    elbo = VAEGenerator(**dict(params, objective="elbo")).fit(X)
    assert iwae.history_ != elbo.history_
    np.testing.assert_array_equal(iwae.sample(3, random_state=0), again.sample(3, random_state=0))


def test_an_iwae_model_saves_loads_and_trains_on(mnist, tmp_path):
    X = mnist[0][:320]
    vae = VAEGenerator(**dict(SMALL_VAE, epochs=1), objective="iwae", importance_samples=3).fit(X)
    again = load(vae.save(tmp_path / "vae.mnistgen"))
    assert (again.objective, again.importance_samples) == ("iwae", 3)
    np.testing.assert_array_equal(again.transform(X[:4]), vae.transform(X[:4]))
    vae.partial_fit(X)
    again.partial_fit(X)
    assert again.history_["loss"] == vae.history_["loss"]


@pytest.mark.parametrize("params, match", [
    ({"objective": "iwae5"}, "objective"),
    ({"objective": None}, "objective"),
    ({"importance_samples": 0}, "importance_samples"),
    ({"importance_samples": 2.5}, "importance_samples"),
    ({"importance_samples": "5"}, "importance_samples"),
])
def test_bad_objectives_are_refused(params, match, images):
    with pytest.raises(ValueError, match=match):
        VAEGenerator(**params, epochs=1).fit(images)


def test_the_objective_from_the_command_line(tmp_path, capsys):
    est = train_vae_option_on_the_command_line(
        tmp_path, capsys, ["--objective", "iwae", "--importance-samples", "2"], bad="best")
    assert (est.objective, est.importance_samples) == ("iwae", 2)


def test_a_conditional_conv_vae_trains_on_the_bound(mnist):
    X, y = mnist[0][:200], mnist[1][:200]
    vae = VAEGenerator(architecture="conv", conv_filters=(4, 8), conv_dense_units=(16,),
                       latent_dim=4, conditional=True, objective="iwae", importance_samples=3,
                       epochs=2, batch_size=50, random_state=0).fit(X, y)
    assert np.all(np.isfinite(vae.history_["loss"]))
    assert vae.sample(4, y=[0, 1, 2, 3]).shape == (4, 28, 28)
    assert np.isfinite(vae.score(X[:10], y[:10], n_importance=3))
