"""Beyond the report: convolutional networks, class-conditional models, beta-VAE."""
import json
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.base import clone

from mnistgen import GANGenerator, VAEGenerator, load

from conftest import SMALL_GAN, SMALL_VAE, networks_equal, weights_equal

CONV = dict(architecture="conv", conv_filters=(4, 8))
CONV_VAE = dict(SMALL_VAE, **CONV, epochs=1)
CONV_GAN = dict(SMALL_GAN, **CONV, epochs=1)
LABELS = np.arange(120) % 3 * 4 - 1  # classes -1, 3, 7: any integers work


def _layer_types(model):
    return [layer.__class__.__name__ for layer in model.layers]


@pytest.fixture(scope="module")
def conv_vae(images):
    return VAEGenerator(**CONV_VAE).fit(images)


@pytest.fixture(scope="module")
def conv_gan(images):
    return GANGenerator(**CONV_GAN).fit(images)


@pytest.fixture(scope="module")
def cvae(images):
    return VAEGenerator(**SMALL_VAE, conditional=True).fit(images, LABELS)


@pytest.fixture(scope="module")
def conv_cgan(images):
    return GANGenerator(**CONV_GAN, conditional=True).fit(images, LABELS)


# -- convolutional networks -------------------------------------------------
@pytest.mark.parametrize("name", ["conv_vae", "conv_gan"])
def test_conv_shapes_dtypes_ranges(name, request, images):
    est = request.getfixturevalue(name)
    s = est.sample(5, random_state=1)
    assert s.shape == (5, 8, 8) and s.dtype == np.float32
    assert s.min() >= 0.0 and s.max() <= 1.0
    nets = [getattr(est, n) for n in est._network_attributes]
    assert "Conv2D" in _layer_types(nets[0]) + _layer_types(nets[1])
    assert "Conv2DTranspose" in _layer_types(nets[1]) + _layer_types(nets[0])
    if name == "conv_vae":
        Z = est.transform(images)
        assert Z.shape == (120, 2) and Z.dtype == np.float32
        assert est.inverse_transform(Z[:3]).shape == (3, 8, 8)
        assert np.all(np.isfinite(est.score_samples(images[:4])))
    else:
        assert "FusedBatchNormalization" in _layer_types(est.generator_)


def test_conv_dcgan_layout_on_mnist_size():
    from mnistgen.networks import build_conv_gan_discriminator, build_conv_gan_generator

    gen = build_conv_gan_generator((28, 28), latent_dim=10, filters=(8, 16), seed=0)
    assert gen.get_layer("grid").output.shape[1:] == (7, 7, 16)
    assert gen.get_layer("deconv_0").output.shape[1:] == (14, 14, 8)
    assert tuple(gen.output.shape) == (None, 784)
    disc = build_conv_gan_discriminator((28, 28), filters=(8, 16), seed=0, n_classes=10)
    assert [tuple(t.shape) for t in disc.inputs] == [(None, 784), (None, 10)]
    assert disc.get_layer("conv_0").output.shape[1:] == (14, 14, 8)


@pytest.mark.parametrize("name, cls, params", [("conv_vae", VAEGenerator, CONV_VAE),
                                                ("conv_gan", GANGenerator, CONV_GAN)])
def test_conv_random_state_reproduces(name, cls, params, request, images):
    a, b = request.getfixturevalue(name), cls(**params).fit(images)
    assert networks_equal(a, b)
    np.testing.assert_array_equal(a.sample(4), b.sample(4))


@pytest.mark.parametrize("builder", ["build_conv_vae_encoder", "build_conv_vae_decoder",
                                     "build_conv_gan_generator", "build_conv_gan_discriminator"])
def test_conv_builders_are_seeded(builder):
    from mnistgen import networks

    build = getattr(networks, builder)
    a, b, c = (build((8, 8), filters=(4, 8), seed=s) for s in (0, 0, 1))
    assert weights_equal(a, b) and not weights_equal(a, c)


@pytest.mark.parametrize("cls", [VAEGenerator, GANGenerator])
@pytest.mark.parametrize("shape", [(10, 10, 10), (10, 8, 6), (10, 64)])
def test_conv_needs_sizes_divisible_by_4(cls, shape):
    X = np.zeros(shape, dtype=np.uint8)
    if shape == (10, 64):  # flat rows of 64 pixels are read as 8x8: fine
        cls(architecture="conv", conv_filters=(2, 2), epochs=1, random_state=0).fit(X)
        return
    with pytest.raises(ValueError, match="divisible by 4"):
        cls(architecture="conv", epochs=1).fit(X)
    # one stage only halves once: divisible by 2 is enough
    if shape == (10, 10, 10):
        cls(architecture="conv", conv_filters=(2,), epochs=1, random_state=0).fit(X)


@pytest.mark.parametrize("units", [(), (16,), (16, 8)])
def test_conv_vae_dense_units_sit_between_convolutions_and_heads(units, images):
    """conv_dense_units: ReLU dense layers after the encoder's convolutions, mirrored
    in the decoder before the grid; () leaves the heads on the convolutions."""
    vae = VAEGenerator(**CONV_VAE, conv_dense_units=units).fit(images)

    def hidden(model):
        return [(l.units, l.activation.__name__) for l in model.layers if l.name.startswith("hidden")]

    assert hidden(vae.encoder_) == [(u, "relu") for u in units]
    assert hidden(vae.decoder_) == [(u, "relu") for u in reversed(units)]
    heads_in = vae.encoder_.get_layer("z_mean").input.shape[-1]
    assert heads_in == (units[-1] if units else 2 * 2 * 8)  # 8x8 -> 2x2 grid of 8 channels
    assert vae.sample(3).shape == (3, 8, 8)


@pytest.mark.parametrize("units, error", [((0,), ValueError), ((8, -1), ValueError),
                                          ("wide", ValueError), ((8.0,), ValueError)])
def test_bad_conv_dense_units(units, error, images):
    with pytest.raises(error, match="conv_dense_units"):
        VAEGenerator(**CONV_VAE, conv_dense_units=units).fit(images)


def test_conv_generator_filters_widen_the_generator_alone(images, tmp_path):
    """The generator's channels apart from the discriminator's; None keeps conv_filters."""
    def channels(model):
        return [l.filters for l in model.layers if hasattr(l, "filters")]

    same = GANGenerator(**CONV_GAN).fit(images)
    assert channels(same.generator_) == [4, 1]
    assert same.generator_.get_layer("grid").output.shape[-1] == 8
    wide = GANGenerator(**CONV_GAN, conv_generator_filters=(6, 12), ema=0.9).fit(images)
    assert channels(wide.generator_) == channels(wide.generator_ema_) == [6, 1]
    assert wide.generator_.get_layer("grid").output.shape[-1] == 12
    assert channels(wide.discriminator_) == channels(same.discriminator_) == [4, 8]
    assert wide.sample(3).shape == (3, 8, 8)
    again = load(wide.save(tmp_path / "wide.mnistgen"))
    np.testing.assert_array_equal(again.sample(3, random_state=1), wide.sample(3, random_state=1))
    with pytest.raises(ValueError, match="conv_generator_filters=.6,. has 1 entries"):
        GANGenerator(**CONV_GAN, conv_generator_filters=(6,)).fit(images)


@pytest.mark.parametrize("cls", [VAEGenerator, GANGenerator])
@pytest.mark.parametrize("params, error, match", [
    (dict(architecture="cnn"), ValueError, "architecture"),
    (dict(architecture="conv", conv_filters=()), ValueError, "conv_filters"),
    (dict(conv_filters=(8, 0)), ValueError, "conv_filters"),
    (dict(conditional="yes"), TypeError, "conditional"),
])
def test_bad_new_params(cls, params, error, match, images):
    est = cls(**params)
    assert est.get_params()[next(iter(params))] == next(iter(params.values()))  # stored only
    with pytest.raises(error, match=match):
        est.fit(images)


@pytest.mark.parametrize("beta, error", [(-1.0, ValueError), (np.nan, ValueError), ("1", TypeError)])
def test_bad_beta(beta, error, images):
    with pytest.raises(error, match="beta"):
        VAEGenerator(beta=beta).fit(images)


# -- class-conditional models -------------------------------------------------
def test_conditional_vae_draws_the_asked_digit(mnist):
    """Asked for digit k, a briefly trained conditional VAE draws digit k."""
    from mnistgen.metrics import predict_proba

    x, y = mnist[0][:2000], mnist[1][:2000]
    cvae = VAEGenerator(hidden_units=(256,), epochs=8, batch_size=50, conditional=True,
                        random_state=0).fit(x, y)
    np.testing.assert_array_equal(cvae.classes_, np.arange(10))
    np.testing.assert_allclose(cvae.class_prior_, np.bincount(y) / len(y))
    asked = np.repeat(np.arange(10), 20)
    samples = cvae.sample(len(asked), y=asked, random_state=1)
    accuracy = np.mean(predict_proba(samples).argmax(1) == asked)
    assert accuracy > 0.6, accuracy  # chance is 0.1
    # without y, classes come in the training proportions (seeded)
    drawn = predict_proba(cvae.sample(200, random_state=2)).argmax(1)
    assert len(np.unique(drawn)) >= 8
    np.testing.assert_array_equal(cvae.sample(5, random_state=2), cvae.sample(5, random_state=2))


def test_classes_prior_and_sample_labels(cvae, conv_cgan):
    for est in (cvae, conv_cgan):
        np.testing.assert_array_equal(est.classes_, [-1, 3, 7])
        assert est.classes_.dtype == np.int64
        np.testing.assert_allclose(est.class_prior_, [1 / 3] * 3)
        a = est.sample(4, y=7, random_state=0)
        assert a.shape == (4, 8, 8) and a.dtype == np.float32
        assert a.min() >= 0 and a.max() <= 1
        np.testing.assert_array_equal(a, est.sample(4, y=[7, 7, 7, 7], random_state=0))
        np.testing.assert_array_equal(a, est.sample(4, y=np.full(4, 7.0), random_state=0))
        assert not np.array_equal(a, est.sample(4, y=-1, random_state=0))
        with pytest.raises(ValueError, match=r"not seen in fit.*\[-1, 3, 7\]"):
            est.sample(2, y=5)
        with pytest.raises(ValueError, match="2 label"):
            est.sample(3, y=[3, 7])


@pytest.mark.parametrize("cls, params", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
@pytest.mark.parametrize("y, error, match", [
    (None, ValueError, "y is required"),
    (np.arange(119), ValueError, "119 label"),
    (np.full(120, 0.5), ValueError, "integer"),
    (np.r_[np.nan, np.zeros(119)], ValueError, "NaN"),
    (np.array(["a"] * 120), TypeError, "integer"),
    (np.zeros(120, dtype=bool), TypeError, "integer"),
    (np.zeros((120, 2), dtype=int), ValueError, "1-D"),
    ("abc", TypeError, "integer"),
])
def test_conditional_fit_validates_y(cls, params, y, error, match, images):
    with pytest.raises(error, match=match):
        cls(**params, conditional=True).fit(images, y)


def test_conditional_accepts_whole_floats_and_columns(images):
    est = VAEGenerator(**dict(SMALL_VAE, epochs=1), conditional=True)
    est.fit(images, LABELS.astype(float).reshape(-1, 1))
    np.testing.assert_array_equal(est.classes_, [-1, 3, 7])


@pytest.mark.parametrize("est", ["fitted_vae", "fitted_gan"])
def test_unconditional_ignores_y_and_rejects_sample_y(est, request, images):
    est = request.getfixturevalue(est)
    again = clone(est).fit(images, np.array(["any"] * len(images)))  # y ignored
    np.testing.assert_array_equal(again.sample(3), est.sample(3))
    assert not hasattr(again, "classes_")
    with pytest.raises(ValueError, match="not conditional"):
        est.sample(3, y=1)


def test_conditional_vae_methods_need_y(cvae, images):
    for call in (lambda: cvae.transform(images), lambda: cvae.score(images),
                 lambda: cvae.inverse_transform(np.zeros((2, 2)))):
        with pytest.raises(ValueError, match="needs the class label"):
            call()
    Z = cvae.transform(images, LABELS)
    assert Z.shape == (120, 2)
    assert not np.allclose(Z, cvae.transform(images, np.full(120, 3)))
    np.testing.assert_allclose(cvae.transform(images[:7], LABELS[:7]), Z[:7], atol=1e-6)
    assert cvae.inverse_transform(Z[:4], y=3).shape == (4, 8, 8)
    s = cvae.score_samples(images, LABELS)
    assert s.shape == (120,) and np.all(np.isfinite(s))
    assert cvae.score(images, LABELS) == pytest.approx(s.mean())
    with pytest.raises(ValueError, match="not seen in fit"):
        cvae.transform(images[:2], [0, 1])
    np.testing.assert_array_equal(
        VAEGenerator(**SMALL_VAE, conditional=True).fit_transform(images, LABELS), Z)


def test_conditional_partial_fit_keeps_classes(images):
    est = VAEGenerator(**SMALL_VAE, conditional=True)
    est.partial_fit(images, LABELS)
    est.partial_fit(images[:10], LABELS[:10])
    assert est.n_iter_ == 2
    with pytest.raises(ValueError, match="not seen in fit"):
        est.partial_fit(images[:3], [3, 7, 8])


def test_conditional_cannot_change_when_warm_starting(images):
    est = GANGenerator(**dict(SMALL_GAN, epochs=1), conditional=True, warm_start=True)
    est.fit(images, LABELS)
    with pytest.raises(ValueError, match="conditional was changed"):
        est.set_params(conditional=False).fit(images)
    # a fresh fit may switch: the labels' attributes go away
    est.set_params(warm_start=False).fit(images)
    assert not hasattr(est, "classes_") and est.sample(2).shape == (2, 8, 8)


# -- persistence and the scikit-learn API ------------------------------------
def test_clone_get_set_params():
    est = VAEGenerator(architecture="conv", conv_filters=(8, 16), conditional=True, beta=4.0)
    params = est.get_params()
    assert {k: params[k] for k in ("architecture", "conv_filters", "conditional", "beta")} == {
        "architecture": "conv", "conv_filters": (8, 16), "conditional": True, "beta": 4.0}
    assert clone(est).get_params() == params
    gan = GANGenerator().set_params(architecture="conv", conditional=True)
    assert (gan.architecture, gan.conditional, gan.conv_filters) == ("conv", True, (32, 64))
    assert "beta" not in gan.get_params()


@pytest.mark.parametrize("name", ["cvae", "conv_cgan", "conv_vae"])
def test_save_load_and_pickle_round_trip(name, request, tmp_path, images):
    est = request.getfixturevalue(name)
    path = est.save(tmp_path / "m.mnistgen")
    with zipfile.ZipFile(path) as zf:
        attrs = json.loads(zf.read("mnistgen.json"))["attributes"]
    assert ("classes_" in attrs) == est.conditional
    y = [3, -1, 7, 7, 3] if est.conditional else None
    for again in (load(path), pickle.loads(pickle.dumps(est))):
        assert again.get_params() == est.get_params()
        for net in est._network_attributes:
            assert weights_equal(getattr(est, net), getattr(again, net))
        np.testing.assert_array_equal(again.sample(5, y=y, random_state=3),
                                      est.sample(5, y=y, random_state=3))
        np.testing.assert_array_equal(again.sample(5), est.sample(5))
        if est.conditional:
            np.testing.assert_array_equal(again.classes_, est.classes_)
            np.testing.assert_array_equal(again.class_prior_, est.class_prior_)
        if hasattr(est, "transform"):
            yy = LABELS if est.conditional else None
            np.testing.assert_array_equal(again.transform(images, yy), est.transform(images, yy))


# -- beta-VAE ----------------------------------------------------------------
def test_beta_weights_the_kl_term(mnist):
    x = mnist[0][:500]
    params = dict(SMALL_VAE, epochs=3)
    plain = VAEGenerator(**params).fit(x)
    heavy = VAEGenerator(**params, beta=8.0).fit(x)
    for est, beta in ((plain, 1.0), (heavy, 8.0)):
        h = {k: np.array(v) for k, v in est.history_.items()}
        np.testing.assert_allclose(h["loss"], h["reconstruction_loss"] + beta * h["kl_loss"], rtol=1e-4)
    # a heavier KL weight squeezes the codes towards the prior
    assert heavy.history_["kl_loss"][-1] < plain.history_["kl_loss"][-1]


@pytest.mark.parametrize("builder", ["build_conv_vae_encoder", "build_conv_vae_decoder",
                                     "build_conv_gan_generator", "build_conv_gan_discriminator"])
@pytest.mark.parametrize("n_classes", [0, 3])
def test_conv_weights_and_biases_follow_pytorch_init(builder, n_classes):
    """Kernels and biases of the (transposed) convolutions are uniform in
    +-1/sqrt(fan_in), PyTorch's default for Conv2d and ConvTranspose2d, as the
    MLPs' Dense layers are (biases were left at Keras's zeros before)."""
    import keras

    from mnistgen import networks

    model = getattr(networks, builder)(seed=0, n_classes=n_classes)
    convs = [layer for layer in model.layers
             if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    assert convs
    for layer in convs:
        kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
        # PyTorch's fan-in: k*k*in_channels for Conv2d, k*k*out_channels for
        # ConvTranspose2d; Keras's kernel shapes put that channel third in both
        bound = 1.0 / np.sqrt(np.prod(kernel.shape[:3]))
        assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.9 * bound
        assert np.abs(bias).max() <= bound + 1e-7
        assert np.all(bias != 0.0)
        if bias.size >= 16:
            assert np.abs(bias).max() > 0.5 * bound
