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
  its own), the achieved GFLOP/s and its share of the machine's measured
  convolution rate: the fastest of TensorFlow and PyTorch on the models'
  largest convolution (5x5, stride 2, 14x14x32 -> 7x7x64, batch 256,
  forward and both gradients), measured in the same run;
* mnistgen's epoch time as a ratio to the twin's;
* ``sample(10_000)`` wall time (median of 5 after a first) and the last
  epoch's losses, so that a speed change can be checked not to change what
  is learned (the same ``random_state`` must give the same losses).

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
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools

import numpy as np

print = functools.partial(print, flush=True)  # noqa: A001 - progress when piped

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import machine, median_after_first, ours, reference, timed, write_results  # noqa: E402

TWIN = os.path.join(HERE, "twin_conv_torch.py")
COLUMNS = ["s/epoch", "images/s", "MFLOP/image", "GFLOP/s", "of conv rate",
           "mnistgen time / this", "sample(10_000) s", "last-epoch loss"]
FORMATS = ["{:.2f}", "{:,.0f}", "{:.1f}", "{:.1f}", "{:.0%}", "{:.2f}x", "{:.3f}", "{:.3f}"]

#: (row name, estimator class name, its parameters, the twin's arguments, the loss logged)
MODELS = [
    ("conv GAN, ema 0.999, batch 64", "GANGenerator", dict(architecture="conv", ema=0.999),
     ["gan", "--ema", "0.999"], "d_loss"),
    ("conv VAE, latent 32, batch 100", "VAEGenerator", dict(architecture="conv", latent_dim=32),
     ["vae"], "loss"),
]


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
    """FLOPs of one training image: forward and backward (3x forward) of each network pass."""
    if hasattr(est, "generator_"):
        # G once, D on the generated batch (generator step), D on real + generated (own step)
        return 3 * forward_flops(est.generator_) + 9 * forward_flops(est.discriminator_)
    return 3 * (forward_flops(est.encoder_) + forward_flops(est.decoder_))


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--torch-python", default=None, help="python of an environment with torch")
    parser.add_argument("--xla", action="store_true", help="also time mnistgen XLA-compiled")
    parser.add_argument("--only", choices=["gan", "vae"], default=None, help="one model only")
    parser.add_argument("--n-train", type=int, default=None,
                        help="first N training images only (a quick check; default all)")
    parser.add_argument("--results", default=None, help="write the table as JSON here")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where to train (cuda: twins on the GPU, mnistgen if TensorFlow sees one)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch includes compilation)")
    mnist = os.environ.get("MNISTGEN_MNIST_PATH")
    print("$ " + " ".join([os.path.relpath(sys.argv[0])] + (argv or sys.argv[1:])))
    where = machine() + (gpu_name() if args.device == "cuda" else "")
    print(f"machine: {where}")
    skip_ours = why_not_ours(args.device)
    if skip_ours:
        print(f"mnistgen rows left out: {skip_ours}")
        args.torch_python = args.torch_python or sys.executable
        n = args.n_train or 60_000
        rates = {}
    else:
        import mnistgen
        from mnistgen.datasets import load_mnist

        (x_train, _), _ = load_mnist()
        x_train = x_train[: args.n_train]
        n = len(x_train)
        rates = {"TensorFlow": conv_rate_tensorflow()}
        if mnist is None and args.torch_python:  # Keras downloaded it: the twin trains on it too
            mnist = os.path.join(tempfile.mkdtemp(), "mnist.npz")
            np.savez(mnist, x_train=x_train)
    rows, losses = [], []
    models = [m for m in MODELS if args.only is None or m[3][0] == args.only]
    for name, cls_name, params, twin_args, loss_name in models:
        variants = [] if skip_ours else (
            [("mnistgen", False)] + ([("mnistgen, XLA", True)] if args.xla else []))
        ours_seconds, flops = None, None
        for label, xla in variants:
            print(f"training {name} ({label}) ...")
            times, est = ours(getattr(mnistgen, cls_name), x_train, args.epochs, xla_conv=xla, **params)
            seconds = median_after_first(times)
            ours_seconds = ours_seconds or seconds
            flops = training_flops(est)
            sample_s = timed(lambda: est.sample(10_000))
            loss = est.history_[loss_name][-1]
            losses.append((f"{name} {label}", {k: v[-1] for k, v in est.history_.items()}))
            rows.append([f"{name}: {label}", {
                **speed_row(seconds, flops, n), "mnistgen time / this": ours_seconds / seconds,
                "sample(10_000) s": sample_s, "last-epoch loss": loss}])
        if args.torch_python:
            print(f"training {name} (PyTorch twin) ...")
            conv_flag = ["--conv-rate"] if "PyTorch" not in rates else []
            n_flag = [] if args.n_train is None else ["--n-train", args.n_train]
            n_flag += ["--device", args.device]
            times, last, out = reference(TWIN, args.epochs, args.torch_python, mnist,
                                         args=twin_args + conv_flag + n_flag)
            seconds = median_after_first(times)
            found = re.search(r"^conv_rate ([\d.]+)", out, re.M)
            if found:
                rates["PyTorch"] = float(found.group(1))
            twin_flops = int(re.search(r"^flops_per_image (\d+)", out, re.M).group(1))
            if flops is not None and twin_flops != flops:
                raise RuntimeError(f"the twin's FLOPs per image, {twin_flops:,}, are not "
                                   f"mnistgen's, {flops:,}: the two models differ")
            flops = twin_flops
            loss = float(re.match(r"epoch \d+ [\d.]+s \w+ ([\d.]+)", last).group(1))
            row = {**speed_row(seconds, flops, n),
                   "sample(10_000) s": float(re.search(r"^sample ([\d.]+)", out, re.M).group(1)),
                   "last-epoch loss": loss}
            if ours_seconds is not None:
                row["mnistgen time / this"] = ours_seconds / seconds
            rows.append([f"{name}: PyTorch twin", row])
    if not rates:
        parser.error("nothing was timed: give --torch-python, or run where mnistgen can train")
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
                     + f". s/epoch is the median of epochs 2 to {args.epochs}; "
                     "sample(10_000) the median of 5 calls after a first; the convolution rate "
                     "the fastest of TensorFlow and PyTorch on the models' largest convolution "
                     "in the same run."),
        )


if __name__ == "__main__":
    main()
