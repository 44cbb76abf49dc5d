"""Seconds per epoch of the conv GANs with and without the sub-pixel layers (run by hand).

``mnistgen._subpixel`` computes the convolutions next to the image (the
generator's last transposed convolution, the input gradient of the
discriminator's first convolution) as sub-pixel convolutions, and a
conditional discriminator's label channels from the labels alone. This
script trains each recipe twice on the same images, once with those layers
and once with Keras's plain ``Conv2D``/``Conv2DTranspose`` in their place
(the same weights and values), and writes the epoch times, scaled to
60,000 images, with the machine, command and date::

    MNISTGEN_MNIST_PATH=../shared/data/mnist.npz python benchmarks/bench_subpixel.py \\
        --out benchmarks/measured/subpixel.json

The first epoch (tracing) is left out: the median of the others is used.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402  (this checkout's mnistgen first)

RECIPES = {
    "conditional conv GAN": dict(conditional=True),
    "self-conditioned conv GAN, 50 clusters": dict(self_conditioning=50),
    "unconditional conv GAN": dict(),
}


def _plain_layers(enabled):
    """Make the builders use the sub-pixel layers (``enabled``) or Keras's own."""
    import keras

    from mnistgen import _subpixel, networks

    class PlainConv2D(keras.layers.Conv2D):
        def __init__(self, *args, label_channels=0, **kwargs):
            super().__init__(*args, **kwargs)

    networks.SubpixelConv2D = _subpixel.SubpixelConv2D if enabled else PlainConv2D
    networks.SubpixelConv2DTranspose = (_subpixel.SubpixelConv2DTranspose if enabled
                                        else keras.layers.Conv2DTranspose)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-train", type=int, default=12800)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=os.path.join("benchmarks", "results", "subpixel.json"))
    args = parser.parse_args(argv)

    from mnistgen import GANGenerator
    from mnistgen.datasets import load_mnist

    (x, y), _ = load_mnist()
    x, y = x[: args.n_train], y[: args.n_train]
    scale = 60000 / len(x)
    table = []
    for name, params in RECIPES.items():
        summary = {}
        for column, enabled in (("plain s/epoch", False), ("sub-pixel s/epoch", True)):
            _plain_layers(enabled)
            times, _ = _common.ours(GANGenerator, x, args.epochs, y=y, architecture="conv",
                                    ema=0.999, **params)
            summary[column] = (_common.median_after_first(times) * scale, None)
            print(f"{name}, {column}: {[round(t, 2) for t in times]}", flush=True)
        summary["ratio"] = (summary["sub-pixel s/epoch"][0] / summary["plain s/epoch"][0], None)
        table.append((name, 1, summary))
    _plain_layers(True)
    _common.write_results(args.out, ["plain s/epoch", "sub-pixel s/epoch", "ratio"],
                          ["{:.1f}", "{:.1f}", "{:.2f}"], table, n_train=len(x),
                          epochs=args.epochs)


if __name__ == "__main__":
    main()
