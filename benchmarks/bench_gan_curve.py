"""Frechet distance after every epoch of GAN and VAE training (run by hand, not in CI).

The report's claim that its GAN trains less steadily than its VAE, measured:
this script trains GAN or VAE recipes on MNIST's training images and, at the
end of every epoch, draws ``--n-samples`` images (fixed noise; a VAE with a
``latent_sampler`` refits it on the training images first) and scores them
against the 10,000 test images with :func:`mnistgen.metrics.evaluate`. It
prints one row per epoch and recipe (Frechet distance, smallest class share,
recall, seconds of the epoch), writes them to ``OUT/curve.json`` with the
machine and the command, and draws ``OUT/curve.png``::

    python benchmarks/bench_gan_curve.py \\
        --recipes gan conv-gan-hinge --epochs 20 --out /tmp/curve

Recipe names are those of ``bench_quality.py``. ``--merge`` puts the rows of
several runs (one recipe each, say) into one file and one figure, training
nothing::

    python benchmarks/bench_gan_curve.py --merge RUN1/curve.json RUN2/curve.json --out OUT
"""
import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402  (this checkout's mnistgen first)
from bench_quality import MODELS, _built  # noqa: E402

from mnistgen import metrics  # noqa: E402
from mnistgen.datasets import load_mnist  # noqa: E402


def curve(name, x_train, y_train, ref, epochs, n_samples, seed, save=lambda rows: None):
    """Train recipe ``name`` epoch by epoch; return one dict per epoch.

    ``save(rows)`` is called after every epoch with the rows so far (so a
    stopped run keeps its finished epochs).
    """
    cls, params = MODELS[name]
    scorer = _common.epoch_scorer(name, ref, n_samples, seed, x_train, y_train, save)
    params = {k: v for k, v in _built(params).items() if k != "epochs"}
    cls(epochs=epochs, random_state=seed, callbacks=[scorer], **params).fit(x_train, y_train)
    return scorer.rows


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for run in dict.fromkeys((r["recipe"], r.get("seed")) for r in rows):
        mine = [r for r in rows if (r["recipe"], r.get("seed")) == run]
        label = run[0] if run[1] is None else f"{run[0]} (seed {run[1]})"
        ax.plot([r["epoch"] for r in mine], [r["FD"] for r in mine], marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("Frechet distance to the test images")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def merge(paths, out, figure=None):
    """Write the rows of several curve files to ``out``, each run's machine and command kept."""
    runs = []
    for path in paths:
        with open(path) as fh:
            runs.append(json.load(fh))
    rows = [row for run in runs for row in run["rows"]]
    _common.write_json(os.path.join(out, "curve.json"), runs=[
        {k: run[k] for k in ("machine", "command", "date")} for run in runs], rows=rows)
    plot(rows, figure or os.path.join(out, "curve.png"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipes", nargs="+", default=["gan", "conv-gan-hinge"],
                        choices=list(MODELS))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--out", default=os.path.join("benchmarks", "results", "curve"))
    parser.add_argument("--merge", nargs="+", metavar="CURVE_JSON",
                        help="train nothing: put the rows of these curve files (runs of this "
                             "script, or bench_quality.py --curve) in one OUT/curve.json and "
                             "the figure")
    parser.add_argument("--figure", default=None,
                        help="where to draw the figure (default: OUT/curve.png)")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv), flush=True)
    os.makedirs(args.out, exist_ok=True)
    if args.merge:
        return merge(args.merge, args.out, args.figure)
    (x_train, y_train), (x_test, _) = load_mnist()
    x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
    ref = metrics.reference_features(x_test)
    rows = []

    def save(more):
        _common.write_json(os.path.join(args.out, "curve.json"), rows=rows + more)

    for name in args.recipes:
        rows += curve(name, x_train, y_train, ref, args.epochs, args.n_samples, args.seed, save)
    plot(rows, args.figure or os.path.join(args.out, "curve.png"))
    print("| recipe | epoch | s | FD | min share | recall |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['recipe']} | {r['epoch']} | {r['seconds']:.1f} | {r['FD']:.2f} "
              f"| {r['min share']:.3f} | {r['recall']:.3f} |")


if __name__ == "__main__":
    main()
