"""Sampling with batch normalisation folded into the layer before it: the
networks' own outputs, from their current weights."""
import keras
import numpy as np
import pytest

from mnistgen import GANGenerator
from mnistgen._folding import foldable_pairs
from mnistgen._inference import infer
from mnistgen.networks import call

from conftest import SMALL_GAN

CONV = dict(architecture="conv", conv_filters=(4, 8), latent_dim=8, epochs=1, batch_size=32,
            random_state=0)


def _generator(est):
    return est.__dict__.get("generator_ema_", est.generator_)


def _inputs(generator, n=64):
    z = np.random.default_rng(1).standard_normal((n, generator.inputs[0].shape[1]))
    labels = None
    if len(generator.inputs) > 1:
        k = generator.inputs[1].shape[1]
        labels = np.eye(k, dtype=np.float32)[np.arange(n) % k]
    return z.astype(np.float32), labels


@pytest.mark.parametrize("params, folded", [
    (SMALL_GAN, 1),  # the report's MLP generator: each dense layer but the first
    (CONV, 2),
    (dict(CONV, ema=0.9, conditional=True, conditioning="projection", loss="bce-r1"), 2),
    (dict(CONV, ema=0.9, self_conditioning=3), 2),
])
def test_folded_sampling_gives_the_networks_outputs(params, folded, mnist):
    X, y = mnist[0][:256], mnist[1][:256]
    est = GANGenerator(**params).fit(X, y if params.get("conditional") else None)
    generator = _generator(est)
    assert len(foldable_pairs(generator)) == folded
    z, labels = _inputs(generator)
    np.testing.assert_allclose(infer(generator, z, labels),
                               np.asarray(call(generator, z, labels, False)), rtol=1e-5, atol=1e-5)
    est.partial_fit(X, y if params.get("conditional") else None)  # new weights and statistics
    np.testing.assert_allclose(infer(generator, z, labels),
                               np.asarray(call(generator, z, labels, False)), rtol=1e-5, atol=1e-5)


def test_folded_sampling_in_bfloat16_stays_float32_and_close(mnist):
    est = GANGenerator(**CONV, dtype_policy="mixed_bfloat16").fit(mnist[0][:256])
    generator = _generator(est)
    z, _ = _inputs(generator)
    out = infer(generator, z)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.asarray(call(generator, z, None, False)), atol=0.05)


def test_only_a_linear_layers_sole_reader_is_folded():
    def model(activation, second_reader):
        inputs = keras.Input((4,))
        h = keras.layers.Dense(3, activation=activation)(inputs)
        out = keras.layers.BatchNormalization()(h)
        if second_reader:
            out = keras.layers.Add()([out, h])
        return keras.Model(inputs, out)

    assert len(foldable_pairs(model(None, False))) == 1
    assert foldable_pairs(model("relu", False)) == {}
    assert foldable_pairs(model(None, True)) == {}
