"""Why the convolutional models train without XLA (run by hand, not in CI).

Times training epochs of ``architecture="conv"`` VAE and GAN on the first
``--n-train`` MNIST images, as mnistgen trains them (TensorFlow graph
functions with its oneDNN kernels) and with the trainer XLA-compiled as the
MLP models are::

    python benchmarks/bench_conv_xla.py

Prints seconds per epoch (each epoch listed; the first includes compilation).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import ours  # noqa: E402  (this checkout's mnistgen first)

from mnistgen import GANGenerator, VAEGenerator  # noqa: E402
from mnistgen.datasets import load_mnist  # noqa: E402


def epoch_times(cls, X, epochs, xla):
    """Seconds of each epoch of ``cls(architecture="conv")`` on ``X``.

    ``xla=True`` compiles the trainer with XLA as the MLP models are.
    """
    return ours(cls, X, epochs, xla_conv=xla, architecture="conv")[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-train", type=int, default=6000, help="training images (default 6000)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    args = parser.parse_args(argv)
    (x_train, _), _ = load_mnist()
    X = x_train[: args.n_train]
    print(f"conv models, {len(X)} MNIST images, seconds per epoch (first includes compilation)")
    print("| model | mnistgen (no XLA) | XLA-compiled | XLA / mnistgen (last epoch) |")
    print("|---|---|---|---|")
    for cls in (VAEGenerator, GANGenerator):
        plain = epoch_times(cls, X, args.epochs, xla=False)
        xla = epoch_times(cls, X, args.epochs, xla=True)
        print(f"| conv {cls.__name__} | {', '.join(f'{t:.2f}' for t in plain)} "
              f"| {', '.join(f'{t:.2f}' for t in xla)} | {xla[-1] / plain[-1]:.0f}x |", flush=True)


if __name__ == "__main__":
    main()
