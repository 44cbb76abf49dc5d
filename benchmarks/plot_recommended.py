"""The README's first figure: the recommended GAN and VAE side by side.

Draws the first 64 samples that ``bench_quality.py`` kept of each
recommended preset (``--models gan-recommended vae-recommended
cgan-recommended cvae-recommended``, one ``NAME_seedS.npz`` per run in its
``--out`` folder): without labels in the top row, class-conditional (asked
for the digits 0-9 in turn) in the bottom one, uncurated. Their scores are
in the results file of the same run (the quality page's table)::

    python benchmarks/plot_recommended.py --runs benchmarks/results/vae42 \\
        benchmarks/results/gan37 --seed 0 --out docs/_static/quality/recommended_seed0.png

(the VAE preset without labels from its run of ``vae42``, the others from
``gan37``: the runs of the quality page's table).
"""
import argparse
import os

import numpy as np

PANELS = [("gan-recommended", "GAN, no labels"), ("vae-recommended", "VAE, no labels"),
          ("cgan-recommended", "conditional GAN"), ("cvae-recommended", "conditional VAE")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", required=True, nargs="+",
                        help="bench_quality.py's --out folders: each panel from the first "
                             "that has it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="the PNG to write")
    parser.add_argument("--grid", nargs="*", default=[], metavar="NAME=PNG",
                        help="take a panel from another run's saved grid (for example the "
                             "VAE benchmark's grid of the same recipe)")
    args = parser.parse_args(argv)
    grids = dict(spec.split("=", 1) for spec in args.grid)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 10.6))
    for ax, (name, title) in zip(axes.flat, PANELS):
        stems = [os.path.join(runs, f"{name}_seed{args.seed}") for runs in args.runs]
        stem = next((s for s in stems if os.path.exists(s + ".npz") or os.path.exists(s + ".png")),
                    stems[0])
        if name in grids:
            ax.imshow(plt.imread(grids[name]))
            ax.set_title(title)
        elif os.path.exists(stem + ".npz"):
            with np.load(stem + ".npz") as run:
                images, epochs = run["samples"][:64], int(run["epochs"])
            side = images.shape[1]
            tiles = images.reshape(8, 8, side, side).transpose(0, 2, 1, 3).reshape(8 * side, -1)
            ax.imshow(tiles, cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{title} ({epochs} epochs)")
        elif os.path.exists(stem + ".png"):  # a run that kept only its grid (titled)
            ax.imshow(plt.imread(stem + ".png"))
            ax.set_title(title)
        else:
            parser.error(f"no samples at {stem}.npz: run bench_quality.py --models {name} first")
        ax.axis("off")
    fig.suptitle("The recommended presets, 64 uncurated samples each (seed "
                 f"{args.seed}, all 60,000 training images)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=80, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
