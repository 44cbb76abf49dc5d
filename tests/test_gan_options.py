"""The stable-GAN options beside the report's defaults: losses, spectral
normalisation, an averaged generator, separate learning rates, critic steps."""
import os
import pickle

import numpy as np
import pytest

from mnistgen import GANGenerator, load
from mnistgen._gan_losses import GAN_LOSSES

from conftest import SMALL_GAN, weights_equal

LOSSES = ["bce", "bce-logits", "bce-r1", "hinge", "wgan-gp"]


@pytest.mark.parametrize("loss, extra", [pytest.param(loss, {}, id=loss) for loss in LOSSES]
                         + [pytest.param("bce-r1", {"gp_interval": 3}, id="bce-r1-lazy")])
def test_each_loss_lowers_each_networks_objective(loss, extra, mnist):
    """With the other network (nearly) frozen, each network's own loss falls."""
    X = mnist[0][:640]
    base = dict(SMALL_GAN, epochs=4, batch_size=64, loss=loss, **extra)
    frozen = 1e-12
    critic = GANGenerator(generator_learning_rate=frozen, discriminator_learning_rate=1e-3,
                          n_critic=1, **base).fit(X)
    assert critic.history_["d_loss"][-1] < critic.history_["d_loss"][0]
    assert critic.history_["d_real"][-1] > critic.history_["d_fake"][-1]  # tells them apart
    generator = GANGenerator(generator_learning_rate=1e-3, discriminator_learning_rate=frozen,
                             n_critic=1, **base).fit(X)
    assert generator.history_["g_loss"][-1] < generator.history_["g_loss"][0]


def test_hinge_and_wasserstein_critics_have_linear_outputs(images):
    from mnistgen._gan_losses import GAN_LOSSES

    expected = {"bce": "sigmoid", "bce-logits": "linear", "bce-r1": "linear", "hinge": "linear",
                "wgan-gp": "linear"}
    assert set(GAN_LOSSES) == set(expected)  # a new loss: add it here and test it
    for loss, activation in expected.items():
        gan = GANGenerator(**dict(SMALL_GAN, epochs=1, loss=loss)).fit(images)
        assert gan.discriminator_.layers[-1].activation.__name__ == activation


def test_every_registered_loss_is_a_choice_of_the_estimator_and_the_command_line():
    from mnistgen._gan_losses import GAN_LOSSES
    from mnistgen.cli import _parser

    for name in GAN_LOSSES:
        GANGenerator(loss=name)._validate_params()
        assert _parser().parse_args(["train", "gan", "--loss", name]).loss == name
    with pytest.raises(ValueError, match="loss"):
        GANGenerator(loss="least-squares")._validate_params()


def test_loss_objectives_match_their_formulas():
    """Per-row objectives of each registered loss against NumPy, on made-up scores."""
    from mnistgen._gan_losses import GAN_LOSSES

    p = np.array([[0.9], [0.2], [0.6], [0.3]], np.float32)  # 2 real, then 2 generated
    bce = GAN_LOSSES["bce"]
    np.testing.assert_allclose(np.ravel(bce.generator_rows(p[2:])), -np.log(p[2:, 0]), rtol=1e-5)
    want = np.concatenate([-np.log(p[:2, 0]), -np.log(1 - p[2:, 0])])
    np.testing.assert_allclose(np.ravel(bce.discriminator_rows(p, 2)), want, rtol=1e-5)
    s = np.array([[1.5], [-0.5], [0.25], [-2.0]], np.float32)
    np.testing.assert_allclose(GAN_LOSSES["hinge"].discriminator_rows(s, 2),
                               2 * np.array([0.0, 1.5, 1.25, 0.0]), rtol=1e-6)
    np.testing.assert_allclose(GAN_LOSSES["wgan-gp"].discriminator_rows(s, 2),
                               2 * np.array([-1.5, 0.5, 0.25, -2.0]), rtol=1e-6)
    for name in ("hinge", "wgan-gp"):
        np.testing.assert_allclose(GAN_LOSSES[name].generator_rows(s[2:]), [-0.25, 2.0])
    for name in ("bce-logits", "bce-r1"):  # the report's loss on the logit s = logit(p)
        logit = np.log(p / (1 - p))
        np.testing.assert_allclose(GAN_LOSSES[name].generator_rows(logit[2:]), -np.log(p[2:, 0]),
                                   rtol=1e-5)
        np.testing.assert_allclose(GAN_LOSSES[name].discriminator_rows(logit, 2), want, rtol=1e-5)


def test_the_loss_on_logits_keeps_a_gradient_for_a_confident_discriminator():
    """At logit -30 (probability 1e-13) the generator's gradient is still -sigmoid(30), about -1."""
    import tensorflow as tf

    from mnistgen._gan_losses import GAN_LOSSES

    logit = tf.Variable([[-30.0], [0.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(GAN_LOSSES["bce-logits"].generator_rows(logit))
    np.testing.assert_allclose(tape.gradient(loss, logit).numpy()[:, 0], [-1.0, -0.5], rtol=1e-6)


def test_gradient_penalty_matches_a_hand_computation():
    """On interpolates a*x + (1-a)*G(z), a = Phi(u) per row, of a tiny critic."""
    from scipy.stats import norm

    from mnistgen._gan_losses import GAN_LOSSES
    from mnistgen.networks import build_gan_discriminator

    rng = np.random.default_rng(0)
    d = build_gan_discriminator(3, (2,), seed=1, output_activation="linear")
    real = rng.uniform(-1, 1, (5, 3)).astype(np.float32)
    fake = rng.uniform(-1, 1, (5, 3)).astype(np.float32)
    u = rng.standard_normal((5, 1)).astype(np.float32)
    got = np.asarray(GAN_LOSSES["wgan-gp"].penalty(d, real, fake, None, u))

    # by hand: the critic is Dense(2) -> LeakyReLU(0.2) -> Dense(1)
    (w1, b1), (w2, b2) = [layer.get_weights() for layer in d.layers if layer.get_weights()]
    a = norm.cdf(u)
    x_hat = a * real + (1 - a) * fake
    pre = x_hat @ w1 + b1
    slope = np.where(pre > 0, 1.0, 0.2)
    grads = (slope * w2[:, 0]) @ w1.T  # d score / d x_hat, per row
    want = (np.linalg.norm(grads, axis=1) - 1.0) ** 2
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_r1_penalty_matches_a_hand_computation():
    """Half the squared gradient norm of a tiny linear-output critic at the real rows."""
    from mnistgen._gan_losses import GAN_LOSSES
    from mnistgen.networks import build_gan_discriminator

    rng = np.random.default_rng(1)
    d = build_gan_discriminator(3, (2,), seed=2, output_activation="linear")
    real = rng.uniform(-1, 1, (6, 3)).astype(np.float32)
    fake = rng.uniform(-1, 1, (6, 3)).astype(np.float32)
    got = np.asarray(GAN_LOSSES["bce-r1"].penalty(d, real, fake, None, None))

    (w1, b1), (w2, b2) = [layer.get_weights() for layer in d.layers if layer.get_weights()]
    slope = np.where(real @ w1 + b1 > 0, 1.0, 0.2)
    grads = (slope * w2[:, 0]) @ w1.T
    np.testing.assert_allclose(got, 0.5 * np.sum(grads**2, axis=1), rtol=1e-5, atol=1e-7)


def test_r1_penalty_is_weighted_by_gp_weight(images):
    """Weight 0 trains exactly as the unpenalised loss on logits; the default adds to d_loss."""
    params = dict(SMALL_GAN, epochs=2)
    plain = GANGenerator(**params, loss="bce-logits").fit(images)
    unweighted = GANGenerator(**params, loss="bce-r1", gp_weight=0.0).fit(images)
    np.testing.assert_allclose(unweighted.history_["d_loss"], plain.history_["d_loss"], rtol=1e-6)
    np.testing.assert_array_equal(unweighted.sample(4, random_state=0), plain.sample(4, random_state=0))
    default = GANGenerator(**params, loss="bce-r1").fit(images)
    assert default.history_["d_loss"][0] > plain.history_["d_loss"][0]


def test_lazy_penalty_is_weighted_k_times_on_every_kth_step(images):
    """gp_interval=k: the first step is the every-step penalty at k times the weight;
    the penalty rows are computed on every k-th discriminator step, zeros between."""
    params = dict(SMALL_GAN, epochs=1, batch_size=len(images), loss="bce-r1")
    lazy = GANGenerator(**params, gp_interval=3, gp_weight=0.5).fit(images)  # one step
    eager = GANGenerator(**params, gp_weight=1.5).fit(images)
    assert lazy.history_["d_loss"] == pytest.approx(eager.history_["d_loss"], rel=1e-6)
    for a, b in zip(lazy.discriminator_.get_weights(), eager.discriminator_.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

    trainer = lazy._make_trainer()
    real = np.random.default_rng(0).uniform(-1, 1, (5, 64)).astype(np.float32)
    every_step = np.asarray(GAN_LOSSES["bce-r1"].penalty(lazy.discriminator_, real, real, None, None))
    assert every_step.min() > 0
    for iteration, due in [(3, True), (4, False), (5, False), (6, True)]:
        lazy.d_optimizer_.iterations.assign(iteration)
        got = np.asarray(trainer._penalty_rows(real, real, None, None))
        np.testing.assert_allclose(got, every_step if due else 0.0, rtol=1e-6)


def test_lazy_penalty_trains_fewer_penalties_not_fewer_steps(images):
    """Over several steps a lazy penalty trains differently from an eager one, but as many steps."""
    params = dict(SMALL_GAN, epochs=2, loss="bce-r1")
    lazy = GANGenerator(**params, gp_interval=4).fit(images)
    eager = GANGenerator(**params).fit(images)
    assert int(np.asarray(lazy.d_optimizer_.iterations)) == int(np.asarray(eager.d_optimizer_.iterations)) == 8
    assert not np.allclose(lazy.history_["d_loss"], eager.history_["d_loss"])
    assert np.all(np.isfinite(lazy.history_["d_loss"]))


def test_n_critic_trains_the_generator_every_nth_step(images):
    gan = GANGenerator(**dict(SMALL_GAN, epochs=2, n_critic=2)).fit(images)  # 4 steps an epoch
    iterations = [int(np.asarray(o.iterations)) for o in (gan.d_optimizer_, gan.g_optimizer_)]
    assert iterations == [8, 4]
    wgan = GANGenerator(**dict(SMALL_GAN, epochs=5, loss="wgan-gp")).fit(images)  # 5 by default
    iterations = [int(np.asarray(o.iterations)) for o in (wgan.d_optimizer_, wgan.g_optimizer_)]
    assert iterations == [20, 4]


def test_separate_learning_rates(images):
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1, generator_learning_rate=1e-4,
                              discriminator_learning_rate=4e-4, beta_2=0.9)).fit(images)
    assert float(np.asarray(gan.g_optimizer_.learning_rate)) == pytest.approx(1e-4)
    assert float(np.asarray(gan.d_optimizer_.learning_rate)) == pytest.approx(4e-4)
    assert gan.g_optimizer_.beta_2 == gan.d_optimizer_.beta_2 == 0.9
    plain = GANGenerator(**dict(SMALL_GAN, epochs=1)).fit(images)
    assert float(np.asarray(plain.g_optimizer_.learning_rate)) == pytest.approx(2e-4)


def test_spectral_norm_wraps_every_critic_layer_and_reproduces(images):
    import keras

    params = dict(SMALL_GAN, epochs=1, loss="hinge", spectral_norm=True)
    a = GANGenerator(**params).fit(images)
    wrapped = [l for l in a.discriminator_.layers if isinstance(l, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 2  # one hidden layer and the output
    b = GANGenerator(**params).fit(images)
    assert weights_equal(a.discriminator_, b.discriminator_)
    np.testing.assert_array_equal(a.sample(5), b.sample(5))


def test_averaged_generator_is_what_sample_uses(images):
    from mnistgen import networks
    from mnistgen._inference import infer

    # one mini-batch, one step: the average is m * initial + (1 - m) * trained, the
    # momentum m = min(ema, (1 + t) / (10 + t)) warmed up at update t = 1
    X = images[:32]
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1, ema=0.9)).fit(X)
    initial = networks.build_gan_generator(64, 8, (16, 32), gan._seed).get_weights()
    m = min(0.9, 2 / 11)
    for avg, w0, w1 in zip(gan.generator_ema_.get_weights(), initial, gan.generator_.get_weights()):
        np.testing.assert_allclose(avg, m * w0 + (1 - m) * w1, rtol=1e-5, atol=1e-6)
    assert not weights_equal(gan.generator_ema_, gan.generator_)
    z = np.random.RandomState(3).standard_normal((4, 8)).astype(np.float32)
    want = np.clip(infer(gan.generator_ema_, z) * 0.5 + 0.5, 0, 1).reshape(4, 8, 8)
    np.testing.assert_allclose(gan.sample(4, random_state=3), want, atol=1e-6)
    raw = np.clip(infer(gan.generator_, z) * 0.5 + 0.5, 0, 1).reshape(4, 8, 8)
    assert not np.allclose(gan.sample(4, random_state=3), raw)


@pytest.mark.parametrize("params", [
    dict(loss="hinge", spectral_norm=True, ema=0.99),
    dict(loss="wgan-gp", ema=0.99, conditional=True),
    dict(architecture="conv", conv_filters=(4,), loss="hinge", spectral_norm=True, ema=0.9),
])
def test_save_load_pickle_and_resume_keep_both_generators(params, images, tmp_path):
    y = np.arange(len(images)) % 3
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1, **params)).fit(images, y)
    kwargs = {"y": 1} if gan.conditional else {}
    for again in (load(gan.save(os.path.join(tmp_path, "m.mnistgen"))),
                  pickle.loads(pickle.dumps(gan))):
        for name in ("generator_", "generator_ema_", "discriminator_"):
            assert weights_equal(getattr(again, name), getattr(gan, name)), name
        np.testing.assert_array_equal(again.sample(4, random_state=0, **kwargs),
                                      gan.sample(4, random_state=0, **kwargs))
    resumed = load(os.path.join(tmp_path, "m.mnistgen")).partial_fit(images, y)
    gan.partial_fit(images, y)
    for name in ("generator_", "generator_ema_", "discriminator_"):
        for a, b in zip(getattr(resumed, name).get_weights(), getattr(gan, name).get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("param, value, error", [
    ("loss", "wgan", ValueError),
    ("loss", 1, TypeError),
    ("gp_weight", -1.0, ValueError),
    ("gp_interval", 0, ValueError),
    ("gp_interval", 2.0, TypeError),
    ("n_critic", 0, ValueError),
    ("n_critic", 1.5, TypeError),
    ("spectral_norm", "yes", TypeError),
    ("ema", 1.0, ValueError),
    ("ema", 0.0, ValueError),
    ("generator_learning_rate", 0.0, ValueError),
    ("discriminator_learning_rate", -1e-3, ValueError),
    ("beta_2", 1.0, ValueError),
    ("conditioning", "embedding", ValueError),
    ("conditioning", None, TypeError),
])
def test_bad_values_of_the_new_parameters(param, value, error, images):
    gan = GANGenerator(**{param: value})
    with pytest.raises(error, match=param):
        gan.fit(images)


def test_combinations_that_make_no_sense(images):
    with pytest.raises(ValueError, match="gp_weight=5.0 was given with loss='hinge'"):
        GANGenerator(loss="hinge", gp_weight=5.0).fit(images)
    with pytest.raises(ValueError, match="gp_interval=4 was given with loss='bce'"):
        GANGenerator(gp_interval=4).fit(images)
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1)).fit(images)
    gan.set_params(ema=0.99, warm_start=True)
    with pytest.raises(ValueError, match="ema was switched on or off after fitting"):
        gan.fit(images)
    with pytest.raises(ValueError, match="ema was switched on or off after fitting"):
        gan.partial_fit(images)


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_projection_discriminator_matches_its_formula(images, architecture):
    """D(x, y) = act(w . phi(x) + b + e_y . phi(x)): the images alone reach the
    features, the label only the projection, whatever the number of classes."""
    import keras

    from mnistgen.networks import call

    y = np.arange(len(images)) % 4
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1, architecture=architecture, conv_filters=(4, 8),
                              conditional=True, conditioning="projection")).fit(images, y)
    d = gan.discriminator_
    assert [t.shape[-1] for t in d.inputs] == [64, 4]
    first = next(l for l in d.layers if l.get_weights())
    assert first.get_weights()[0].shape[-2] == (64 if architecture == "mlp" else 1)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 64)).astype(np.float32)
    onehot = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 1]]
    phi = keras.Model(d.inputs, d.get_layer("real_score").input)([x, onehot])
    w, b = d.get_layer("real_score").get_weights()
    e = d.get_layer("class_embedding").get_weights()[0]
    logit = np.asarray(phi) @ w[:, 0] + b[0] + np.sum((onehot @ e) * np.asarray(phi), axis=1)
    np.testing.assert_allclose(np.asarray(call(d, x, onehot))[:, 0], 1 / (1 + np.exp(-logit)),
                               rtol=1e-4, atol=1e-6)
    assert gan.sample(4, y=[0, 1, 2, 3]).shape == (4, 8, 8)


def test_projection_needs_nothing_of_unconditional_models(images):
    gan = GANGenerator(**dict(SMALL_GAN, epochs=1, conditioning="projection")).fit(images)
    assert len(gan.discriminator_.inputs) == 1


class _TwoDiscriminatorCalls(GANGenerator):
    """The report's step as two calls of D: the generator's, then D's own on ``[real; fake]``."""

    def _make_trainer(self):
        trainer = super()._make_trainer()
        trainer.share_discriminator_call = False
        return trainer


@pytest.mark.parametrize("params", [
    pytest.param(dict(), id="conv"),
    pytest.param(dict(conditional=True, conditioning="projection", loss="bce-r1", gp_interval=2,
                      ema=0.9), id="conv-projection-lazy-r1"),
    pytest.param(dict(loss="bce-r1"), id="conv-r1-from-the-real-call"),
])
def test_one_discriminator_call_for_both_updates_trains_as_two(params, digits, digit_labels):
    # three steps: the same losses and weights as the two-call step, to float rounding
    params = dict(SMALL_GAN, architecture="conv", conv_filters=(4, 8), epochs=1, **params)
    X, y = digits[:96], (digit_labels[:96] if params.get("conditional") else None)
    shared, two = GANGenerator(**params).fit(X, y), _TwoDiscriminatorCalls(**params).fit(X, y)
    assert shared._trainer.share_discriminator_call and not two._trainer.share_discriminator_call
    for name in shared.history_:
        np.testing.assert_allclose(shared.history_[name], two.history_[name], rtol=1e-5, atol=1e-6)
    for attr in shared._network_attributes:
        for a, b in zip(getattr(shared, attr).get_weights(), getattr(two, attr).get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("params, shared", [
    (dict(architecture="mlp"), False),  # the report's step, sample for sample
    (dict(spectral_norm=True), False),  # its power iteration runs on every call
    (dict(loss="wgan-gp"), False),  # several critic steps per generator step
    (dict(loss="hinge"), True),
])
def test_which_steps_share_the_discriminator_call(params, shared, images):
    params = {**SMALL_GAN, "architecture": "conv", "conv_filters": (4, 8), "epochs": 1, **params}
    gan = GANGenerator(**params).fit(images[:32])
    assert gan._trainer.share_discriminator_call is shared


@pytest.mark.parametrize("params, from_real_call", [
    (dict(loss="bce-r1"), True),  # R1 on every step: the input gradient of D's real call
    (dict(loss="bce-r1", gp_interval=4), False),  # lazily: a call of its own when due
    (dict(loss="bce-r1", spectral_norm=True), False),  # the two-call step
    (dict(loss="wgan-gp"), False),  # a penalty at interpolated images
])
def test_which_steps_take_r1_from_the_real_call(params, from_real_call, images):
    params = {**SMALL_GAN, "architecture": "conv", "conv_filters": (4, 8), "epochs": 1, **params}
    gan = GANGenerator(**params).fit(images[:32])
    assert gan._trainer.penalty_from_real_call is from_real_call
