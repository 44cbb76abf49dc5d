"""``learning_rate_schedule``: the rates a user asks for, epoch by epoch; the
VAE's ``kl_warmup``; and the command line's choices of them and of
``dtype_policy``."""
import math

import keras
import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator
from mnistgen._precision import DTYPE_POLICIES
from mnistgen._schedules import LEARNING_RATE_SCHEDULES, kl_weight

from conftest import SMALL_GAN, SMALL_VAE


def _rate(optimizer):
    return float(np.asarray(optimizer.learning_rate))


def test_cosine_factors_fall_from_one_along_half_a_cosine():
    cosine = LEARNING_RATE_SCHEDULES["cosine"]
    factors = [cosine(e, 4) for e in range(6)]
    assert factors[0] == 1.0
    np.testing.assert_allclose(factors[:4], [0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)])
    assert all(a > b for a, b in zip(factors[:3], factors[1:4]))
    assert factors[4] == factors[5] == factors[3] > 0  # beyond ``epochs``: the last factor
    assert all(LEARNING_RATE_SCHEDULES["constant"](e, 4) == 1.0 for e in range(6))


def test_vae_cosine_sets_each_epochs_rate_and_partial_fit_continues(images):
    rates = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            rates.append(_rate(vae.optimizer_))

    vae = VAEGenerator(**dict(SMALL_VAE, epochs=4), learning_rate=2e-3,
                       learning_rate_schedule="cosine", callbacks=[Record()])
    vae.fit(images)
    cosine = LEARNING_RATE_SCHEDULES["cosine"]
    np.testing.assert_allclose(rates, [2e-3 * cosine(e, 4) for e in range(4)], rtol=1e-6)
    vae.partial_fit(images)  # epoch 5 of a 4-epoch schedule: the last rate
    np.testing.assert_allclose(rates[-1], 2e-3 * cosine(3, 4), rtol=1e-6)


def test_gan_cosine_scales_both_networks_rates(images):
    gan = GANGenerator(**dict(SMALL_GAN, epochs=3), generator_learning_rate=1e-3,
                       discriminator_learning_rate=4e-4, learning_rate_schedule="cosine").fit(images)
    last = LEARNING_RATE_SCHEDULES["cosine"](2, 3)
    np.testing.assert_allclose(_rate(gan.g_optimizer_), 1e-3 * last, rtol=1e-6)
    np.testing.assert_allclose(_rate(gan.d_optimizer_), 4e-4 * last, rtol=1e-6)


def test_constant_keeps_the_rate_and_follows_set_params(images):
    vae = VAEGenerator(**SMALL_VAE, learning_rate=2e-3).fit(images)
    np.testing.assert_allclose(_rate(vae.optimizer_), 2e-3, rtol=1e-6)
    vae.set_params(learning_rate=5e-4).partial_fit(images)
    np.testing.assert_allclose(_rate(vae.optimizer_), 5e-4, rtol=1e-6)


def test_cosine_trains_the_first_epoch_as_constant_then_differs_and_reproduces(mnist):
    X = mnist[0][:640]
    params = dict(SMALL_VAE, epochs=3)
    constant = VAEGenerator(**params).fit(X)
    cosine = VAEGenerator(**params, learning_rate_schedule="cosine").fit(X)
    again = VAEGenerator(**params, learning_rate_schedule="cosine").fit(X)
    assert cosine.history_["loss"][0] == constant.history_["loss"][0]
    assert cosine.history_["loss"][1:] != constant.history_["loss"][1:]
    assert cosine.history_ == again.history_
    assert cosine.history_["loss"][-1] < cosine.history_["loss"][0]


@pytest.mark.parametrize("cls", [VAEGenerator, GANGenerator])
@pytest.mark.parametrize("bad", ["cosine-restarts", "Cosine", 1, None])
def test_bad_schedule_is_refused_with_the_choices(cls, bad, images):
    with pytest.raises(ValueError, match="learning_rate_schedule.*(constant.*cosine|cosine.*constant)"):
        cls(learning_rate_schedule=bad, epochs=1).fit(images)


@pytest.mark.parametrize("option, registry", [
    ("--learning-rate-schedule", LEARNING_RATE_SCHEDULES),
    ("--dtype-policy", DTYPE_POLICIES),
])
def test_every_registered_name_is_a_choice_of_the_command_line(option, registry):
    """The schedules and the dtype policies: one registry each, reached from ``mnistgen train``."""
    from mnistgen.cli import _parser, _UsageError

    for model in ("vae", "gan"):
        for name in registry:
            args = _parser().parse_args(["train", model, option, name])
            assert getattr(args, option[2:].replace("-", "_")) == name
    with pytest.raises(_UsageError, match=f"{option}: invalid choice: 'nope'"):
        _parser().parse_args(["train", "gan", option, "nope"])


def test_kl_weight_rises_linearly_to_beta():
    assert [kl_weight(e, 2.0, 3) for e in range(6)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    assert [kl_weight(e, 1.0, 0) for e in range(3)] == [1.0, 1.0, 1.0]


def test_kl_warmup_weights_each_epoch_and_partial_fit_continues(mnist):
    weights = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            weights.append(float(np.asarray(vae._trainer.kl_weight)))

    vae = VAEGenerator(**dict(SMALL_VAE, epochs=3), beta=2.0, kl_warmup=3, callbacks=[Record()])
    vae.fit(mnist[0][:320])
    assert weights == [0.5, 1.0, 1.5]
    history = vae.history_
    np.testing.assert_allclose(  # the loss trained is the epoch's weighted one
        history["loss"], [r + w * k for r, w, k in
                          zip(history["reconstruction_loss"], weights, history["kl_loss"])], rtol=1e-5)
    vae.partial_fit(mnist[0][:320])  # the fourth epoch: warmed up
    assert weights[-1] == 2.0


def test_kl_warmup_changes_training_reproducibly_and_lowers_the_loss(mnist):
    X = mnist[0][:640]
    params = dict(SMALL_VAE, epochs=3)
    plain = VAEGenerator(**params).fit(X)
    warm = VAEGenerator(**params, kl_warmup=2).fit(X)
    again = VAEGenerator(**params, kl_warmup=2).fit(X)
    assert warm.history_ == again.history_
    assert warm.history_["kl_loss"][0] > plain.history_["kl_loss"][0]  # KL weighed less at first
    assert warm.history_["reconstruction_loss"][-1] < warm.history_["reconstruction_loss"][0]
    assert np.isfinite(warm.score(X))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None])
def test_bad_kl_warmup_is_refused(bad, images):
    with pytest.raises(ValueError, match="kl_warmup"):
        VAEGenerator(kl_warmup=bad, epochs=1).fit(images)


def test_kl_warmup_from_the_command_line(tmp_path, capsys):
    from mnistgen import load
    from mnistgen.cli import main

    out = tmp_path / "vae"
    assert main(["train", "vae", "--kl-warmup", "2", "--epochs", "1", "--n-train", "200",
                 "--out", str(out), "--verbose", "0"]) == 0
    assert load(out / "model.mnistgen").kl_warmup == 2
    assert main(["train", "gan", "--kl-warmup", "2", "--out", str(tmp_path / "g")]) == 2
    assert "--kl-warmup applies to the VAE only" in capsys.readouterr().err
