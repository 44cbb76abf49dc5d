"""What the first epoch of a ``fit`` costs beyond the others (run by hand, not in CI).

The first epoch of every ``fit`` includes XLA's compilation of the training
step, once for each shape of step that the epoch feeds it: the groups of
full mini-batches (one shape; a shorter last group is padded to it) and,
when ``batch_size`` does not divide the number of images, the last, smaller
mini-batch. This script fits the report's VAE and GAN on the first ``n``
MNIST training images for a few sizes chosen to need one or two shapes,
from repository root::

    python benchmarks/bench_startup.py

and prints, per model and size, the first epoch, the median of the later
ones, their difference (compilation plus building the pipeline), and the
last epoch's losses (random_state 0), to check that a change to how the
step is fed leaves training as it was.
A small fit of each model runs first, so that loading XLA itself (once per
process) is not counted.
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import ours  # noqa: E402  (this checkout's mnistgen first)

from mnistgen import GANGenerator, VAEGenerator  # noqa: E402
from mnistgen._pipeline import make_dataset  # noqa: E402
from mnistgen.datasets import load_mnist  # noqa: E402


def step_shapes(n, batch_size):
    """The distinct shapes of the elements that one epoch feeds the training step."""
    import numpy as np

    dataset, _ = make_dataset(np.zeros((n, 1), np.float32), batch_size, seed=0, noise_dim=1)
    return {tuple((e[0] if isinstance(e, tuple) else e).shape) for e in dataset}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=os.environ.get("MNISTGEN_MNIST_PATH"),
                        help="Keras-format mnist.npz")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit (at least 2)")
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="training set sizes (default: chosen per model)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2")
    (x_train, _), _ = load_mnist(args.mnist)
    # per model: a size with one step shape, one whose last group is short
    # (one shape since padding), one with a smaller last mini-batch too
    models = [(VAEGenerator, 100, [5000, 6400, 6432]), (GANGenerator, 64, [6400, 6464, 6480])]
    print("| model | images | full mini-batches | rows left over | step shapes (mini-batches x rows) "
          "| first epoch s | later epochs s (median) | first - later s | last-epoch losses |")
    print("|---|---|---|---|---|---|---|---|---|")
    for cls, batch, sizes in models:
        ours(cls, x_train[:2 * batch], 2)  # load XLA and warm up, not counted
        for n in args.sizes or sizes:
            times, est = ours(cls, x_train[:n], args.epochs)
            losses = ", ".join(f"{k} {v[-1]:.4f}" for k, v in est.history_.items()
                               if k in ("loss", "d_loss", "g_loss"))
            later = statistics.median(times[1:])
            n_full, rest = divmod(n, batch)
            found = sorted(step_shapes(n, batch), reverse=True)
            print(f"| {cls.__name__} | {n:,} | {n_full} | {rest or '-'} "
                  f"| {', '.join('x'.join(map(str, s[:2])) for s in found)} "
                  f"| {times[0]:.2f} | {later:.2f} | {times[0] - later:.2f} | {losses} |")


if __name__ == "__main__":
    main()
