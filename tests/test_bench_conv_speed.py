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
    # forward + backward = 3x forward; D's forward on G(z) serves both updates (1x), its
    # backward on G(z) for G's update (2x), on the real batch (1x forward) and both for its own (4x)
    assert BENCH["training_flops"](gan) == 3 * GENERATOR + 8 * DISCRIMINATOR
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


# A stand-in for twin_conv_torch.py --lockstep (which needs PyTorch): it says
# "ready" and waits for a line before each epoch and before its closing
# timings, and logs to its standard error when each epoch started.
FAKE_TWIN = """
import sys, time
epochs = int(sys.argv[1])
for i in range(epochs + 1):
    print("ready", flush=True)
    if not sys.stdin.readline():
        sys.exit("the benchmark closed the pipe")
    if i < epochs:
        print(f"epoch {i} {0.5 + i:.2f}s loss {3.0 - i:.3f} images/s 1", flush=True)
        print(f"started {i} {time.perf_counter()}", file=sys.stderr, flush=True)
print("sample 0.2500", flush=True)
"""


def fake_twin(tmp_path, body=FAKE_TWIN, epochs=3):
    import sys

    script = tmp_path / "fake_twin.py"
    script.write_text(body)
    return BENCH["PairedTwin"]([sys.executable, str(script), str(epochs)], None, str(tmp_path))


def test_a_paired_twin_trains_one_epoch_when_asked_and_times_its_sampling_last(tmp_path):
    twin = fake_twin(tmp_path)
    assert [twin.epoch() for _ in range(3)] == [0.5, 1.5, 2.5]
    out = twin.finish()
    assert out.splitlines()[-1] == "sample 0.2500"
    assert [line for line in out.splitlines() if line.startswith("epoch ")][1].startswith("epoch 1 ")


def test_a_paired_twin_waits_between_epochs(tmp_path):
    import time

    twin = fake_twin(tmp_path, epochs=2)
    twin.epoch()
    asked = time.perf_counter()
    time.sleep(0.3)  # the twin must not start its next epoch meanwhile
    twin.epoch()
    twin.finish()
    twin._stderr.seek(0)
    started = [float(line.split()[2]) for line in twin._stderr if line.startswith("started")]
    assert started[1] - asked >= 0.3


def test_a_failing_twin_raises_with_its_error(tmp_path):
    twin = fake_twin(tmp_path, body="import sys\nprint('ready', flush=True)\nsys.stdin.readline()\n"
                                    "sys.exit('out of memory in the twin')\n")
    with pytest.raises(RuntimeError, match="out of memory in the twin"):
        twin.epoch()


def test_the_paired_ratio_is_the_median_of_epoch_pairs_after_the_first():
    # the first pair (compilation, the twin's warm-up) is left out; the host's drift
    # moves both epochs of a pair alike and leaves their ratio
    ours, twin = [9.0, 5.0, 10.0, 6.0], [1.0, 10.0, 20.0, 10.0]
    assert BENCH["paired_ratio"](ours, twin) == pytest.approx(0.5)
