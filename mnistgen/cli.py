"""The ``mnistgen`` command line: train a model on MNIST, or sample from one.

Examples::

    mnistgen train vae --epochs 5 --out runs/vae
    mnistgen sample runs/vae/model.mnistgen -n 64 --out grid.png
    mnistgen train gan --architecture conv --conditional --epochs 20 --out runs/cgan
    mnistgen train gan --architecture conv --loss hinge --spectral-norm --ema 0.999 --out runs/sgan
    mnistgen sample runs/cgan/model.mnistgen --label 7 --out sevens.png
"""
import argparse
import json
import os
import sys
import time

__all__ = ["main"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="mnistgen",
        description="Train the report's GAN or VAE on MNIST, or sample from a saved model.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="train a model on MNIST and write the model, a sample grid and loss curves",
        description="Train on the MNIST training images. MNIST is read from --mnist, "
        "else from $MNISTGEN_MNIST_PATH, else downloaded through Keras.",
    )
    train.add_argument("model", choices=["vae", "gan"], help="which model to train")
    train.add_argument("--epochs", type=int, default=None, help="epochs (default: the estimator's)")
    train.add_argument("--batch-size", type=int, default=None, help="batch size (default: the report's)")
    train.add_argument("--latent-dim", type=int, default=None, help="latent size (default: the report's)")
    train.add_argument("--architecture", choices=["mlp", "conv"], default=None,
                       help="'mlp' (the report's, default) or 'conv' (DCGAN-style / convolutional VAE)")
    train.add_argument("--conditional", action="store_true",
                       help="train a class-conditional model on the MNIST labels")
    train.add_argument("--beta", type=float, default=None,
                       help="VAE only: weight of the KL term (beta-VAE; default 1, the report's)")
    train.add_argument("--loss", choices=["bce", "hinge", "wgan-gp"], default=None,
                       help="GAN only: adversarial loss (default bce, the report's)")
    train.add_argument("--spectral-norm", action="store_true", default=None,
                       help="GAN only: spectral normalisation of the discriminator")
    train.add_argument("--ema", type=float, default=None,
                       help="GAN only: sample from a moving average of the generator "
                            "with this momentum (for example 0.999)")
    train.add_argument("--n-train", type=int, default=None, help="train on the first N images only")
    train.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    train.add_argument("--mnist", default=None, help="path of a Keras-format mnist.npz")
    train.add_argument("--out", default="runs/model", help="output folder (default runs/model)")
    train.add_argument("--verbose", type=int, choices=[0, 1, 2], default=None,
                       help="0 silent, 1 progress bar, 2 a line per epoch (default: 1 on a terminal, else 2)")

    sample = sub.add_parser("sample", help="draw a PNG grid of samples from a saved model")
    sample.add_argument("model_path", help="a file written by 'mnistgen train' or est.save()")
    sample.add_argument("-n", "--n-samples", type=int, default=64, help="number of images (default 64)")
    sample.add_argument("--random-state", type=int, default=None, help="seed of the noise")
    sample.add_argument("--label", type=int, default=None,
                        help="conditional models: the class to draw (default: classes in "
                             "their training proportions)")
    sample.add_argument("--out", default="samples.png", help="PNG file to write (default samples.png)")
    return parser


#: Options of ``mnistgen train`` that only the GAN has (GANGenerator parameters).
_GAN_ONLY = ("loss", "spectral_norm", "ema")


def _save_figure(fig, path):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)


def _train(args):
    from . import GANGenerator, VAEGenerator
    from ._params import check_positive_int
    from .datasets import load_mnist
    from .plotting import plot_history, plot_images

    cls = VAEGenerator if args.model == "vae" else GANGenerator
    params = {"random_state": args.random_state}
    params["verbose"] = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    if args.beta is not None and cls is not VAEGenerator:
        raise ValueError("--beta applies to the VAE only (the KL weight of a beta-VAE).")
    gan_only = [f"--{n.replace('_', '-')}" for n in _GAN_ONLY if getattr(args, n) is not None]
    if gan_only and cls is not GANGenerator:
        raise ValueError(f"{', '.join(gan_only)} applies to the GAN only.")
    for name in ("epochs", "batch_size", "latent_dim", "architecture", "beta") + _GAN_ONLY:
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    params["conditional"] = args.conditional
    est = cls(**params)
    (x_train, y_train), _ = load_mnist(args.mnist)
    if args.n_train is not None:
        check_positive_int("--n-train", args.n_train)
        x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
    os.makedirs(args.out, exist_ok=True)
    print(f"Training {cls.__name__} on {len(x_train)} MNIST images for {est.epochs} epochs", flush=True)
    start = time.perf_counter()
    est.fit(x_train, y_train)  # the labels are ignored unless --conditional
    seconds = time.perf_counter() - start
    model_path = est.save(os.path.join(args.out, "model.mnistgen"))
    _save_figure(plot_images(est.sample(64), n_cols=8, title=f"{cls.__name__}: 64 samples"),
                 os.path.join(args.out, "samples.png"))
    _save_figure(plot_history(est), os.path.join(args.out, "losses.png"))
    with open(os.path.join(args.out, "history.json"), "w") as fh:
        json.dump({"seconds": seconds, "history": est.history_}, fh, indent=1)
    print(f"Trained in {seconds:.1f} s. Wrote {model_path}, samples.png, losses.png and "
          f"history.json to {args.out}", flush=True)


def _sample(args):
    from .persistence import load
    from .plotting import plot_images

    est = load(args.model_path)
    images = est.sample(args.n_samples, y=args.label, random_state=args.random_state)
    _save_figure(plot_images(images, title=f"{type(est).__name__}: {len(images)} samples"), args.out)
    print(f"Wrote {len(images)} samples to {args.out}", flush=True)


def main(argv=None):
    """Run the ``mnistgen`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 2 on a usage or input error (the message is printed).

    Examples
    --------
    >>> from mnistgen.cli import main
    >>> main(["sample", "no-such-file.mnistgen"])
    2
    """
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    try:
        if args.command == "train":
            _train(args)
        else:
            _sample(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"mnistgen: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
