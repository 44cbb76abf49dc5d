"""Speed of the convolutional models against their PyTorch twins, in one run.

Run by hand (not in CI), from the repository root::

    python benchmarks/bench_conv_speed.py --epochs 3 --torch-python /tmp/torchenv/bin/python \
        --results benchmarks/measured/conv_speed.json

It trains, on the 60,000 MNIST training images, the convolutional GAN with
an averaged generator (``GANGenerator(architecture="conv", ema=0.999)``,
the best of the measured conv GANs on :doc:`quality`; batch 64) and the
recommended convolutional VAE (``VAEGenerator(architecture="conv",
latent_dim=32)``; batch 100), each as mnistgen trains it and as its PyTorch
twin (``twin_conv_torch.py``: the same layers, sizes, initial weight
ranges, batch size, optimiser and step order, run in PyTorch's own
environment in a subprocess), and prints one table with, per row:

* seconds per epoch (the median of the epochs after the first, which
  includes compilation) and images/s;
* FLOPs per training image, counted from the Keras models' layer shapes
  (convolutions, transposed convolutions and dense layers; a forward
  multiply-add is 2 FLOPs and a backward pass twice the forward; the GAN
  step runs the discriminator three times per image: on the generated batch
  for the generator's update and on the real and the generated batch for
  its own; the R1 penalty's double backward on the real batch counts as
  two more forward and backward passes of the discriminator, divided by
  ``gp_interval``: :func:`training_flops`), the achieved GFLOP/s and its
  share of the machine's measured convolution rate: the fastest of
  TensorFlow and PyTorch on the models' largest convolution (5x5, stride
  2, 14x14x32 -> 7x7x64, batch 256, forward and both gradients), measured
  in the same run;
* mnistgen's epoch time as a ratio to the twin's, epoch by epoch: the
  twin runs in its own process from the start (``--lockstep``), and after
  each of mnistgen's epochs it trains one while mnistgen waits
  (:class:`PairedTwin`); the ratio is the median over the epochs after the
  first of mnistgen's epoch over the twin's after it (:func:`paired_ratio`),
  so that the host's drift between two separate runs (on a shared 2-core
  machine, up to a fifth of an epoch's time over minutes) does not enter
  it. With ``--bf16`` the twin also trains one epoch after each of the
  bfloat16 row's, and its own s/epoch is the median over all its epochs
  after the first;
* ``sample(10_000)`` wall time (median of 5 after a first) and the last
  epoch's losses, so that a speed change can be checked not to change what
  is learned (the same ``random_state`` must give the same losses).

``--models`` picks the rows: ``gan`` and ``vae`` (the two above, the
default), and ``gan-recommended``, ``cgan-recommended``,
``vae-recommended`` and ``cvae-recommended``: mnistgen's
``from_preset("recommended")`` recipes, unconditional (the GAN
self-conditioned on 50 clusters) and conditional (``conditional=True``, on
MNIST's labels), each read from ``presets()["recommended"].recipe()``
(``epochs`` is the benchmark's) and handed to the twin as flags
(:func:`twin_args`, which refuses a recipe the twin cannot follow); the
latent sampler of the VAE preset and the clustering of the
self-conditioned GAN happen outside the timed epochs. The benchmark stops
when a twin's FLOPs per image are not mnistgen's::

    python benchmarks/bench_conv_speed.py --epochs 3 --torch-python /tmp/torchenv/bin/python \
        --models gan-recommended cgan-recommended vae-recommended cvae-recommended

``--bf16`` adds rows for mnistgen with ``dtype_policy="mixed_bfloat16"``
(hidden layers in bfloat16) and the column of their time as a ratio to the
twin's (which stays float32).

``--xla`` adds rows for mnistgen with the convolutional trainers
XLA-compiled. ``--device cuda`` runs the twins on a GPU (``--torch-python``
defaults to this Python there) and mnistgen on TensorFlow's GPU where
TensorFlow is installed and sees one; where it is not (the device machines
lent to this project have PyTorch but no TensorFlow, whose wheel and CUDA
libraries are far larger than what a call can carry), the mnistgen rows are
left out and the table says so. Without ``MNISTGEN_MNIST_PATH`` there, the
twins train on random data of MNIST's shape, which is enough for timing::

    python3 benchmarks/bench_conv_speed.py --device cuda --epochs 3 \
        --results benchmarks/measured/conv_speed_gpu.json
 ``--results FILE`` writes the table as JSON
(:func:`_common.write_results`); ``benchmarks/measured/conv_speed.json`` is
the documentation's table. Without ``--torch-python`` the twins are
skipped. PyTorch is never a dependency of mnistgen: install it in its own
environment (``python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install
torch==2.13.0 numpy``).
"""
import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools

import numpy as np

print = functools.partial(print, flush=True)  # noqa: A001 - progress when piped

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import (epoch_seconds, machine, median_after_first, mnist_file, ours,  # noqa: E402
                     reference, reference_command, timed, write_results)

TWIN = os.path.join(HERE, "twin_conv_torch.py")
COLUMNS = ["s/epoch", "images/s", "MFLOP/image", "GFLOP/s", "of conv rate",
           "mnistgen time / this", "mnistgen bfloat16 time / this", "sample(10_000) s",
           "last-epoch loss"]
FORMATS = ["{:.2f}", "{:,.0f}", "{:.1f}", "{:.1f}", "{:.0%}", "{:.2f}x", "{:.2f}x", "{:.3f}",
           "{:.3f}"]

#: (row name, estimator class name, its parameters, the twin's arguments, the loss logged)
MODELS = [
    ("conv GAN, ema 0.999, batch 64", "GANGenerator", dict(architecture="conv", ema=0.999),
     ["gan", "--ema", "0.999"], "d_loss"),
    ("conv VAE, latent 32, batch 100", "VAEGenerator", dict(architecture="conv", latent_dim=32),
     ["vae"], "loss"),
]


#: The ``--models`` name of each row of :data:`MODELS`.
MODEL_KEYS = {"gan": 0, "vae": 1}
#: mnistgen's "recommended" presets, by ``--models`` name (also the twin's name of
#: today's recipe): (row name, estimator class name, conditional, the loss logged)
PRESET_MODELS = {
    "gan-recommended": ("GAN preset recommended (self-conditioned)", "GANGenerator", False,
                        "d_loss"),
    "cgan-recommended": ("GAN preset recommended, conditional", "GANGenerator", True, "d_loss"),
    "vae-recommended": ("VAE preset recommended", "VAEGenerator", False, "loss"),
    "cvae-recommended": ("VAE preset recommended, conditional", "VAEGenerator", True, "loss"),
}
#: Estimator parameters the twin takes as flags, by estimator class name.
TWIN_FLAGS = {
    "GANGenerator": {"latent_dim": "--latent-dim", "batch_size": "--batch-size", "ema": "--ema",
                     "loss": "--loss", "gp_weight": "--gp-weight", "gp_interval": "--gp-interval",
                     "conditioning": "--conditioning"},
    "VAEGenerator": {"latent_dim": "--latent-dim", "batch_size": "--batch-size",
                     "conv_dense_units": "--dense-units", "prior": "--prior",
                     "prior_components": "--prior-components"},
}
#: Parameters that change nothing in a training epoch's work (the latent
#: sampler is fitted after training), or that the twins' flags and labels carry.
NOT_IN_AN_EPOCH = {"epochs", "random_state", "verbose", "callbacks", "on_divergence",
                   "latent_sampler", "architecture", "conditional", "self_conditioning"}
TWIN_LOSSES = ("bce", "bce-logits", "bce-r1")


def preset_recipe(cls_name, conditional):
    """The "recommended" preset's parameters, less ``epochs`` (the benchmark's); None
    where mnistgen cannot be imported (the twin then takes today's recipe by name)."""
    try:
        import mnistgen
    except ImportError:
        return None
    recipe = getattr(mnistgen, cls_name).presets()["recommended"].recipe(conditional)
    recipe.pop("epochs", None)
    return recipe


def twin_args(cls_name, params, n_classes):
    """The twin's arguments for ``cls_name(**params)`` trained with ``n_classes`` labels.

    Raises a ``ValueError`` for a parameter that the twin cannot follow: one
    that changes an epoch's work, differs from the estimator's default and
    is none of the twin's flags.
    """
    import mnistgen
    from mnistgen._presets import _same

    defaults = getattr(mnistgen, cls_name)().get_params()
    full, flags = {**defaults, **params}, TWIN_FLAGS[cls_name]
    odd = [key for key, value in full.items() if key not in flags and key not in NOT_IN_AN_EPOCH
           and key != "n_critic" and not _same(value, defaults[key])]
    if (full["architecture"] != "conv" or odd or full.get("n_critic") not in (None, 1)
            or full.get("loss", "bce") not in TWIN_LOSSES):
        raise ValueError(f"the PyTorch twin cannot follow {cls_name}({params}): it has the conv "
                         f"models, losses {TWIN_LOSSES}, one critic step and no {odd}")
    args = ["gan" if cls_name == "GANGenerator" else "vae"]
    for key, flag in flags.items():
        if full[key] is not None:
            value = full[key]
            text = ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)
            args += [flag, text]
    if full.get("self_conditioning"):
        args += ["--classes", str(full["self_conditioning"]), "--self-conditioning"]
    elif full["conditional"]:
        args += ["--classes", str(n_classes)]
    return args


def selected_models(names, n_classes):
    """``(row name, class name, params, twin args, loss logged, conditional)`` of each model named.

    ``params`` is None for a preset where mnistgen cannot be imported.
    """
    models = []
    for key in names:
        if key in MODEL_KEYS:
            models.append((*MODELS[MODEL_KEYS[key]], False))
            continue
        name, cls_name, conditional, loss_name = PRESET_MODELS[key]
        params = preset_recipe(cls_name, conditional)
        twin = [key] if params is None else twin_args(cls_name, params, n_classes)
        models.append((name, cls_name, params, twin, loss_name, conditional))
    return models


def forward_flops(model):
    """FLOPs of one image through ``model``'s convolutions and dense layers (2 per multiply-add)."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):  # every input pixel scatters a kernel
            h, w, c_in = layer.input.shape[1:]
            k1, k2, c_out, _ = layer.kernel.shape
            total += 2 * h * w * k1 * k2 * c_in * c_out
        elif isinstance(layer, keras.layers.Conv2D):  # every output pixel gathers one
            h, w, c_out = layer.output.shape[1:]
            k1, k2, c_in, _ = layer.kernel.shape
            total += 2 * h * w * k1 * k2 * c_in * c_out
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(np.prod(layer.kernel.shape))
    return total


def training_flops(est):
    """FLOPs of one training image: forward and backward (3x forward) of each network pass.

    GAN: G once (3x G); D's forward on the generated and the real batch
    (2x D: one call on the generated batch serves both updates), its
    backward on the generated batch for G's update (2x D) and on both for
    its own (4x D); 9x D where the step keeps two calls of D (spectral
    normalisation). A gradient penalty (``loss="bce-r1"``: R1 at the real
    images) adds, on every ``gp_interval``-th discriminator step, D's
    forward and input gradient on the real batch and the backward of both
    for D's weights (a double backward), counted as twice a forward and
    backward: ``6 * D // gp_interval`` per image; ``5 * D`` where the
    penalty is due on every step and takes its input gradient from D's call
    on the real batch of the shared step. The twins count theirs the same way
    (``twin_conv_torch.training_flops``). VAE: encoder and decoder once.
    Elementwise work (activations, batch norm, losses, the averaged
    generator's update) is not counted.
    """
    if not hasattr(est, "generator_"):
        return 3 * (forward_flops(est.encoder_) + forward_flops(est.decoder_))
    from mnistgen._gan_losses import GAN_LOSSES

    loss = GAN_LOSSES[est.loss]
    if (est.n_critic or loss.default_n_critic) != 1:
        raise ValueError("the FLOP count is that of one discriminator step per generator step")
    d = forward_flops(est.discriminator_)
    trainer = est._trainer
    penalty_passes = 5 if trainer.penalty_from_real_call else 6
    penalty = 0 if loss.penalty is None else penalty_passes * d // est.gp_interval
    passes = 8 if trainer.share_discriminator_call else 9
    return 3 * forward_flops(est.generator_) + passes * d + penalty


def conv_rate_tensorflow(batch=256, steps=20):
    """GFLOP/s of the reference convolution in TensorFlow (as ``twin_conv_torch.conv_rate``)."""
    from mnistgen._backend import get_tensorflow

    tf = get_tensorflow()
    h = tf.random.normal((batch, 14, 14, 32))
    kernel = tf.Variable(tf.random.normal((5, 5, 32, 64)))

    @tf.function(autograph=False)
    def run(h):
        total = tf.constant(0.0)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                tape.watch(h)
                out = tf.nn.conv2d(h, kernel, 2, "SAME")
            grads = tape.gradient(out, [h, kernel])
            total += tf.reduce_sum(grads[0][:1, :1, :1, :1]) + tf.reduce_sum(grads[1][:1, :1, :1, :1])
        return total

    flops = 6 * batch * 7 * 7 * 25 * 32 * 64 * steps
    best = min(timed(lambda: run(h).numpy(), repeats=1) for _ in range(3))
    return flops / best / 1e9


def gpu_name():
    """``; GPU: NAME`` of the first CUDA device, as nvidia-smi names it."""
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                              capture_output=True, text=True, check=True)
        return f"; GPU: {done.stdout.splitlines()[0].strip()}"
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "; GPU: unknown"


def speed_row(seconds, flops, n):
    """The columns of a row that follow from its epoch time and FLOPs per image."""
    return {"s/epoch": seconds, "images/s": n / seconds, "MFLOP/image": flops / 1e6,
            "GFLOP/s": flops * n / seconds / 1e9}


def why_not_ours(device):
    """Why mnistgen cannot train here on ``device`` (None where it can)."""
    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
        return "TensorFlow and Keras are not installed in this Python"
    if device == "cuda":
        from mnistgen._backend import get_tensorflow

        if not get_tensorflow().config.list_physical_devices("GPU"):
            return "TensorFlow sees no GPU here"
    return None


def parse_args(argv):
    """The command line, with ``args.models`` the ``--models`` (or ``--only``) names."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--torch-python", default=None, help="python of an environment with torch")
    parser.add_argument("--xla", action="store_true", help="also time mnistgen XLA-compiled")
    parser.add_argument("--bf16", action="store_true",
                        help="also time mnistgen with dtype_policy='mixed_bfloat16'")
    parser.add_argument("--only", choices=["gan", "vae"], default=None, help="one model only")
    parser.add_argument("--models", nargs="+", choices=[*MODEL_KEYS, *PRESET_MODELS], default=None,
                        help="the models to time (default: gan vae); the presets' names time "
                             "mnistgen's 'recommended' presets against their twins")
    parser.add_argument("--n-train", type=int, default=None,
                        help="first N training images only (a quick check; default all)")
    parser.add_argument("--results", default=None, help="write the table as JSON here")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where to train (cuda: twins on the GPU, mnistgen if TensorFlow sees one)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch includes compilation)")
    if args.only and args.models:
        parser.error("give --only or --models, not both")
    args.models = [args.only] if args.only else (args.models or list(MODEL_KEYS))
    return parser, args


def load_training_data(args, skip_ours, mnist):
    """``(x_train, y_train, n, mnist)``: mnistgen's training data (None where it
    does not train), their number and the MNIST file handed to the twins."""
    if skip_ours:
        return None, None, args.n_train or 60_000, mnist
    from mnistgen.datasets import load_mnist

    (x_train, y_train), _ = load_mnist()
    x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
    if args.torch_python:  # the twin trains on the same images
        mnist = mnist_file(mnist)
    return x_train, y_train, len(x_train), mnist


def variants(args):
    """``(label, XLA, extra parameters, ratio column)`` of each mnistgen row of a model.

    A row with a ratio column is timed against its twin's epochs, one after each of its own.
    """
    return ([("mnistgen", False, {}, "mnistgen time / this")]
            + ([("mnistgen, XLA", True, {}, None)] if args.xla else [])
            + ([("mnistgen, mixed_bfloat16", False, {"dtype_policy": "mixed_bfloat16"},
                 "mnistgen bfloat16 time / this")] if args.bf16 else []))


class PairedTwin:
    """A model's PyTorch twin in its own process, one epoch after each of mnistgen's.

    The twin runs with ``--lockstep``: it loads its data and builds its
    networks, then waits before each epoch until :meth:`epoch` lets it train
    one and reads its time. Called after each of mnistgen's epochs (as the
    Keras callback of :meth:`callback`), it puts every epoch of the twin
    beside one of mnistgen's on the same host at nearly the same time,
    while the other framework's process waits, so that the ratio of the two
    does not carry the host's drift over the minutes between two separate
    runs.
    """

    def __init__(self, cmd, env, cwd):
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.cmd = cmd
        self.lines = []
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, env=env, cwd=cwd)
        self._until("ready")  # its data loaded and networks built

    def _until(self, prefix):
        """Read the twin's lines up to one starting with ``prefix``; return that line."""
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise self._error()
            self.lines.append(line.rstrip("\n"))
            if line.startswith(prefix):
                return line

    def _error(self):
        self._stderr.seek(0)
        return RuntimeError(f"{' '.join(map(str, self.cmd))} failed:\n{self._stderr.read()[-2000:]}")

    def _go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def epoch(self):
        """Let the twin train one epoch; return its seconds once it waits again."""
        self._go()
        line = self._until("epoch ")
        self._until("ready")
        return epoch_seconds(line)

    def callback(self, seconds):
        """A Keras callback appending to ``seconds`` the time of a twin's epoch after each of ours."""
        import keras

        twin = self

        class AfterEpoch(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                seconds.append(twin.epoch())

        return AfterEpoch()

    def finish(self):
        """Let the twin time its sampling (and the reference convolution) alone; return
        all it printed."""
        self._go()
        rest = self.proc.stdout.read()
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise self._error()
        return "\n".join(self.lines + rest.splitlines())


def paired_ratio(ours_times, twin_times):
    """The median, over the epochs after the first, of mnistgen's epoch time over the twin's after it."""
    return statistics.median(o / t for o, t in zip(ours_times[1:], twin_times[1:]))


def twin_flags(model, args, rates, lockstep):
    """The command-line arguments of ``model``'s twin (before the number of epochs)."""
    extra = ["--conv-rate"] if "PyTorch" not in rates else []
    extra += [] if args.n_train is None else ["--n-train", args.n_train]
    return model[3] + extra + ["--device", args.device] + (["--lockstep"] if lockstep else [])


def time_ours(model, x_train, y_train, args, n, rows, losses, twin=None):
    """Train ``model`` with mnistgen (XLA-compiled too with ``--xla``, in bfloat16
    with ``--bf16``); append its rows and last losses. With ``twin`` (a
    :class:`PairedTwin`), each epoch of a row that has a ratio column is
    followed by one of the twin's. Returns ``({ratio column: (our epoch
    times, the twin's after them)}, FLOPs per image)``."""
    import mnistgen

    name, cls_name, params, _, loss_name, conditional = model
    ours_seconds, flops, paired = None, None, {}
    for label, xla, extra, column in variants(args):
        print(f"training {name} ({label}) ...")
        twin_times = []
        after = [twin.callback(twin_times)] if twin is not None and column else []
        times, est = ours(getattr(mnistgen, cls_name), x_train, args.epochs, xla_conv=xla,
                          y=y_train if conditional else None, after_epoch=after, **params, **extra)
        seconds = median_after_first(times)
        ours_seconds = ours_seconds or seconds
        if column:
            paired[column] = (times, twin_times)
            if twin_times:
                print("  epochs (s), mnistgen / twin after it: "
                      + ", ".join(f"{o:.2f} / {t:.2f}" for o, t in zip(times, twin_times)))
        flops = training_flops(est)
        sample_s = timed(lambda: est.sample(10_000))
        losses.append((f"{name} {label}", {k: v[-1] for k, v in est.history_.items()}))
        rows.append([f"{name}: {label}", {
            **speed_row(seconds, flops, n), "mnistgen time / this": ours_seconds / seconds,
            "sample(10_000) s": sample_s, "last-epoch loss": est.history_[loss_name][-1]}])
    return paired, flops


def time_twin(model, args, mnist, n, rates, paired, flops, twin=None):
    """``model``'s PyTorch twin's row: from ``twin`` (a :class:`PairedTwin` whose
    epochs followed mnistgen's, ``paired`` as :func:`time_ours` returns) or,
    without it, from a run of its own. Raises a ``RuntimeError`` where its
    FLOPs per image are not mnistgen's (``flops``, None: not counted)."""
    name = model[0]
    if twin is None:
        print(f"training {name} (PyTorch twin: {' '.join(model[3])}) ...")
        _, _, out = reference(TWIN, args.epochs, args.torch_python, mnist,
                              args=twin_flags(model, args, rates, lockstep=False))
    else:
        out = twin.finish()
    epochs = [line for line in out.splitlines() if line.startswith("epoch ")]
    seconds = median_after_first([epoch_seconds(line) for line in epochs])
    found = re.search(r"^conv_rate ([\d.]+)", out, re.M)
    if found:
        rates["PyTorch"] = float(found.group(1))
    twin_flops = int(re.search(r"^flops_per_image (\d+)", out, re.M).group(1))
    if flops is not None and twin_flops != flops:
        raise RuntimeError(f"the twin's FLOPs per image, {twin_flops:,}, are not "
                           f"mnistgen's, {flops:,}: the two models differ")
    # the loss after as many epochs as mnistgen's rows trained
    loss = float(re.match(r"epoch \d+ [\d.]+s \w+ ([\d.]+)", epochs[args.epochs - 1]).group(1))
    row = {**speed_row(seconds, twin_flops, n),
           "sample(10_000) s": float(re.search(r"^sample ([\d.]+)", out, re.M).group(1)),
           "last-epoch loss": loss}
    for column, (ours_times, twin_times) in paired.items():
        row[column] = paired_ratio(ours_times, twin_times)
    return [f"{name}: PyTorch twin", row]


def time_model(model, x_train, y_train, args, mnist, n, rates, rows, losses, skip_ours):
    """Time ``model`` with mnistgen and (``--torch-python``) its twin; append the rows."""
    twin = None
    if args.torch_python and not skip_ours:
        n_paired = sum(1 for *_, column in variants(args) if column)
        print(f"starting {model[0]}'s PyTorch twin ({' '.join(model[3])}), "
              f"one epoch after each of mnistgen's ...")
        twin = PairedTwin(*reference_command(TWIN, args.epochs * n_paired, args.torch_python, mnist,
                                             args=twin_flags(model, args, rates, lockstep=True)))
    paired, flops = ({}, None) if skip_ours else time_ours(
        model, x_train, y_train, args, n, rows, losses, twin)
    if args.torch_python:
        rows.append(time_twin(model, args, mnist, n, rates, paired, flops, twin))


def main(argv=None):
    parser, args = parse_args(argv)
    mnist = os.environ.get("MNISTGEN_MNIST_PATH")
    print("$ " + " ".join([os.path.relpath(sys.argv[0])] + (argv or sys.argv[1:])))
    where = machine() + (gpu_name() if args.device == "cuda" else "")
    print(f"machine: {where}")
    skip_ours = why_not_ours(args.device)
    if skip_ours:
        print(f"mnistgen rows left out: {skip_ours}")
        args.torch_python = args.torch_python or sys.executable
    x_train, y_train, n, mnist = load_training_data(args, skip_ours, mnist)
    rates = {} if skip_ours else {"TensorFlow": conv_rate_tensorflow()}
    n_classes = 10 if y_train is None else len(np.unique(y_train))
    rows, losses = [], []
    for model in selected_models(args.models, n_classes):
        time_model(model, x_train, y_train, args, mnist, n, rates, rows, losses, skip_ours)
    if not rates:
        parser.error("nothing was timed: give --torch-python, or run where mnistgen can train")
    report(args, rows, losses, rates, n, mnist, where, skip_ours)


def report(args, rows, losses, rates, n, mnist, where, skip_ours):
    """Print the table (and the last losses) and, with ``--results``, write it."""
    rate = max(rates.values())
    for _, row in rows:
        row["of conv rate"] = row["GFLOP/s"] / rate
    rows += [[f"reference convolution: {lib}", {"GFLOP/s": r, "of conv rate": r / rate}]
             for lib, r in rates.items()]

    print(f"\nconvolution rate (5x5, stride 2, 14x14x32 -> 7x7x64, batch 256, forward and both "
          f"gradients): {', '.join(f'{k} {v:.1f}' for k, v in rates.items())} GFLOP/s; "
          f"the fastest, {rate:.1f}, is used")
    print(f"{n:,} training images, {args.epochs} epochs per row; s/epoch is the median of epochs "
          f"2 to {args.epochs}\n")
    print("| model | " + " | ".join(COLUMNS) + " |\n" + "|---" * (len(COLUMNS) + 1) + "|")
    for name, row in rows:
        cells = [fmt.format(row[c]) if c in row else "" for c, fmt in zip(COLUMNS, FORMATS)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nLast-epoch losses of mnistgen (random_state 0):")
    for name, logs in losses:
        print(f"  {name}: " + ", ".join(f"{k} {v:.6f}" for k, v in logs.items()))
    if args.results:
        write_results(
            args.results, COLUMNS, FORMATS,
            [(name, 1, {c: (v, None) for c, v in row.items()}) for name, row in rows],
            machine=where,
            n_train=n, epochs=args.epochs, seeds=[0], device=args.device,
            caption=(f"{n:,} training images" + ("" if mnist else " (random data of MNIST's shape)")
                     + (" on the GPU" if args.device == "cuda" else "")
                     + (f"; mnistgen not run: {skip_ours}" if skip_ours else "")
                     + f", {args.epochs} epochs per row"
                     + ("" if skip_ours else ", random_state 0 for mnistgen")
                     + f". s/epoch is the median of epochs 2 to {args.epochs} (the twin's: of all "
                     "its epochs after the first, one after each of mnistgen's); a ratio to the "
                     "twin's the median over those epochs of mnistgen's epoch over the twin's "
                     "after it; sample(10_000) the median of 5 calls after a first; the convolution rate "
                     "the fastest of TensorFlow and PyTorch on the models' largest convolution "
                     "in the same run."),
        )


if __name__ == "__main__":
    main()
