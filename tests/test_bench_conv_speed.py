"""The convolutional speed benchmark counts the FLOPs of the models it times.

``benchmarks/bench_conv_speed.py`` states GFLOP/s and a share of the
machine's convolution rate from a FLOP count of mnistgen's conv networks;
its PyTorch twin (``twin_conv_torch.py``, not run here: PyTorch is no
dependency) counts its own layers the same way and the benchmark stops if
the two differ. These tests pin the count against one written out by hand
from the layer shapes, so a change to the networks or to the counting shows.
"""
import runpy
from pathlib import Path

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator

BENCH = runpy.run_path(str(Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv_speed.py"))


def conv(h, w, k, c_in, c_out):
    """Forward FLOPs of a convolution with an ``h`` x ``w`` output (2 per multiply-add)."""
    return 2 * h * w * k * k * c_in * c_out


def dense(n_in, n_out):
    return 2 * n_in * n_out


# Transposed convolutions scatter a kernel from every *input* pixel.
GENERATOR = dense(100, 7 * 7 * 64) + conv(7, 7, 5, 64, 32) + conv(14, 14, 5, 32, 1)
DISCRIMINATOR = conv(14, 14, 5, 1, 32) + conv(7, 7, 5, 32, 64) + dense(7 * 7 * 64, 1)
ENCODER = (conv(14, 14, 3, 1, 32) + conv(7, 7, 3, 32, 64) + dense(3136, 512) + dense(512, 256)
           + 2 * dense(256, 32))
DECODER = (dense(32, 256) + dense(256, 512) + dense(512, 3136) + conv(7, 7, 3, 64, 32)
           + conv(14, 14, 3, 32, 1))


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    gan = GANGenerator(architecture="conv", ema=0.999, epochs=1, verbose=0, random_state=0).fit(X)
    vae = VAEGenerator(architecture="conv", latent_dim=32, epochs=1, verbose=0,
                       random_state=0).fit(X)
    return gan, vae


def test_forward_flops_of_each_network_match_the_hand_count(fitted):
    gan, vae = fitted
    flops = BENCH["forward_flops"]
    assert flops(gan.generator_) == GENERATOR
    assert flops(gan.discriminator_) == DISCRIMINATOR
    assert flops(vae.encoder_) == ENCODER
    assert flops(vae.decoder_) == DECODER


def test_training_flops_count_each_pass_of_a_step(fitted):
    gan, vae = fitted
    # forward + backward = 3x forward; D runs on G(z) for G's step, on real + G(z) for its own
    assert BENCH["training_flops"](gan) == 3 * GENERATOR + 9 * DISCRIMINATOR == 65_912_448
    assert BENCH["training_flops"](vae) == 3 * (ENCODER + DECODER)


def test_the_benchmarked_models_are_the_recommended_conv_models():
    params = {name: p for name, _, p, _, _ in BENCH["MODELS"]}
    assert params["conv GAN, ema 0.999, batch 64"] == dict(architecture="conv", ema=0.999)
    assert params["conv VAE, latent 32, batch 100"] == dict(architecture="conv", latent_dim=32)
    assert GANGenerator().batch_size == 64 and VAEGenerator().batch_size == 100


@pytest.mark.parametrize("conditional, widths", [(False, "256"), (True, "512,256")])
def test_the_vae_preset_twin_gets_the_preset_dense_layers(conditional, widths):
    recipe = VAEGenerator.presets()["recommended"].recipe(conditional)
    args = BENCH["twin_args"]("VAEGenerator", recipe, 10)
    assert args[args.index("--dense-units") + 1] == widths
    assert ("--classes" in args) is conditional


def test_the_vae_twin_follows_a_learned_prior_and_refuses_what_it_lacks():
    recipe = dict(architecture="conv", latent_dim=32, prior="mixture", prior_components=7)
    args = BENCH["twin_args"]("VAEGenerator", recipe, 10)
    assert args[args.index("--prior") + 1] == "mixture"
    assert args[args.index("--prior-components") + 1] == "7"
    with pytest.raises(ValueError, match="objective"):
        BENCH["twin_args"]("VAEGenerator", dict(recipe, objective="iwae"), 10)
