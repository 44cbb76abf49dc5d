"""The ``mnistgen`` command line: train a model, sample from it, evaluate it.

Examples::

    mnistgen train vae --epochs 5 --out runs/vae
    mnistgen sample runs/vae/model.mnistgen -n 64 --out grid.png
    mnistgen evaluate runs/vae/model.mnistgen --data mnist
    mnistgen train gan --preset recommended --conditional --out runs/cgan
    mnistgen train gan --architecture conv --loss hinge --spectral-norm --ema 0.999 --out runs/sgan
    mnistgen sample runs/cgan/model.mnistgen --label 7 --out sevens.png
    mnistgen train vae --data fashion-mnist --early-stopping --epochs 100 --out runs/fashion
    mnistgen train vae --data my_scans/ --architecture conv --out runs/scans

Every usage or input error prints one line, ``mnistgen: error: ...``, to
stderr and exits with status 2.
"""
import argparse
import json
import os
import sys
import time

from ._architectures import ARCHITECTURES
from ._gan_losses import GAN_LOSSES, LABEL_CONDITIONINGS
from ._objectives import VAE_OBJECTIVES
from ._priors import LATENT_PRIORS
from ._precision import DTYPE_POLICIES
from ._presets import PRESETS
from ._schedules import LEARNING_RATE_SCHEDULES

__all__ = ["main"]

#: Names ``--data`` takes for Keras's data sets (anything else is a path).
DATASETS = ("mnist", "fashion-mnist")


class _UsageError(Exception):
    """A command-line usage error (argparse's), reported as ``main``'s others are."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(f"{message} (see {self.prog} --help)")


def _parser():
    parser = _Parser(
        prog="mnistgen",
        description="Train the report's GAN or VAE on MNIST or your own images, sample "
                    "from a saved model, or evaluate it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_train(sub)
    sample = sub.add_parser("sample", help="draw a PNG grid of samples from a saved model")
    sample.add_argument("model_path", help="a file written by 'mnistgen train' or est.save()")
    sample.add_argument("-n", "--n-samples", type=int, default=64, help="number of images (default 64)")
    sample.add_argument("--random-state", type=int, default=None, help="seed of the noise")
    sample.add_argument("--label", type=int, default=None,
                        help="conditional models: the class to draw, for a self-conditioned "
                             "GAN the cluster (default: in their training proportions)")
    sample.add_argument("--out", default="samples.png", help="PNG file to write (default samples.png)")
    _add_evaluate(sub)
    return parser


def _add_data_options(parser, split):
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="'mnist' or 'fashion-mnist' (Keras's data sets, the %s split), "
                             "a folder of images (one sub-folder per class) or an .npy/.npz "
                             "file; default mnist" % split)
    parser.add_argument("--mnist", default=None, help="path of a Keras-format mnist.npz")
    parser.add_argument("--images-key", default=None, help="array name of the images in an .npz")
    parser.add_argument("--labels-key", default=None, help="array name of the labels in an .npz")


def _add_train(sub):
    train = sub.add_parser(
        "train",
        help="train a model and write the model, a sample grid and loss curves",
        description="Train on MNIST's training images (read from --mnist, else from "
        "$MNISTGEN_MNIST_PATH, else downloaded through Keras) or on --data.",
    )
    train.add_argument("model", choices=["vae", "gan"], help="which model to train")
    train.add_argument("--preset", choices=sorted(set().union(*PRESETS.values())), default=None,
                       help="start from a named recipe (from_preset): 'recommended' or "
                            "'report'; the other options go on top of it")
    _add_data_options(train, "training")
    train.add_argument("--epochs", type=int, default=None, help="epochs (default: the estimator's)")
    train.add_argument("--batch-size", type=int, default=None, help="batch size (default: the report's)")
    train.add_argument("--latent-dim", type=int, default=None, help="latent size (default: the report's)")
    train.add_argument("--architecture", choices=list(ARCHITECTURES), default=None,
                       help="'mlp' (the report's, default) or 'conv' (DCGAN-style / convolutional VAE)")
    train.add_argument("--conditional", action="store_true",
                       help="train a class-conditional model on the labels")
    _add_vae_options(train)
    _add_size_options(train)
    _add_optimiser_options(train)
    _add_gan_options(train)
    train.add_argument("--early-stopping", action="store_true", default=None,
                       help="hold out --validation-fraction of the images and stop when their "
                            "score stops improving, keeping the best epoch's weights")
    train.add_argument("--validation-fraction", type=float, default=None,
                       help="share of the images held out by --early-stopping (default 0.1)")
    train.add_argument("--n-iter-no-change", type=int, default=None,
                       help="epochs without improvement before --early-stopping stops (default 10)")
    train.add_argument("--tol", type=float, default=None,
                       help="the least improvement of the score that counts for --early-stopping "
                            "(default 1e-4)")
    train.add_argument("--on-divergence", choices=["raise", "restore"], default=None,
                       help="after an epoch with a NaN or infinite loss, restore the last finite "
                            "epoch's weights and 'raise' an error (default) or 'restore' and stop")
    train.add_argument("--learning-rate-schedule", choices=list(LEARNING_RATE_SCHEDULES),
                       default=None, help="'constant' (default, the report's) or 'cosine' "
                                          "(decay over the epochs)")
    train.add_argument("--dtype-policy", choices=list(DTYPE_POLICIES), default=None,
                       help="the networks' precision: 'float32' (default) or 'mixed_bfloat16' "
                            "(hidden layers in bfloat16: faster on processors with bfloat16 units)")
    train.add_argument("--n-train", type=int, default=None, help="train on the first N images only")
    train.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    train.add_argument("--out", default="runs/model", help="output folder (default runs/model)")
    train.add_argument("--verbose", type=int, choices=[0, 1, 2], default=None,
                       help="0 silent, 1 progress bar, 2 a line per epoch (default: 1 on a terminal, else 2)")


def _add_size_options(train):
    widths = {"type": int, "nargs": "+", "default": None, "metavar": "N"}
    train.add_argument("--conv-filters", **widths,
                       help="with --architecture conv: the convolutions' channels (default 32 64)")
    train.add_argument("--hidden-units", **widths,
                       help="VAE only, MLP: the encoder's hidden widths, mirrored by the decoder "
                            "(default 512 256, the report's)")
    train.add_argument("--generator-units", **widths,
                       help="GAN only, MLP: the generator's hidden widths (default: the report's)")
    train.add_argument("--discriminator-units", **widths,
                       help="GAN only, MLP: the discriminator's hidden widths (default: the "
                            "report's)")
    train.add_argument("--conv-generator-filters", **widths,
                       help="GAN only, with --architecture conv: the generator's own channels "
                            "(default: --conv-filters)")


def _add_vae_options(train):
    train.add_argument("--conv-dense-units", type=int, nargs="*", default=None, metavar="N",
                       help="VAE only, with --architecture conv: widths of the dense layers "
                            "between the convolutions and the latent code (default 512 256; "
                            "the option alone: none)")
    train.add_argument("--beta", type=float, default=None,
                       help="VAE only: weight of the KL term (beta-VAE; default 1, the report's)")
    train.add_argument("--kl-warmup", type=int, default=None, metavar="EPOCHS",
                       help="VAE only: epochs over which the KL term's weight rises to --beta "
                            "(default 0, the report's: none)")
    train.add_argument("--objective", choices=list(VAE_OBJECTIVES), default=None,
                       help="VAE only: the training objective, 'elbo' (the report's) or "
                            "'iwae' (the importance-weighted bound)")
    train.add_argument("--importance-samples", type=int, default=None, metavar="K",
                       help="VAE only, --objective iwae: draws per image (default 5)")
    train.add_argument("--prior", choices=list(LATENT_PRIORS), default=None,
                       help="VAE only: the prior, 'normal' (N(0, I), the report's) or "
                            "'mixture' (a mixture of Gaussians learned with the networks)")
    train.add_argument("--prior-components", type=int, default=None, metavar="K",
                       help="VAE only, --prior mixture: its Gaussians (default 10)")
    train.add_argument("--gmm", type=int, default=None, metavar="N",
                       help="VAE only: sample through a GaussianMixture(N) fitted on the "
                            "training latents (latent_sampler)")


def _add_optimiser_options(train):
    train.add_argument("--learning-rate", type=float, default=None,
                       help="Adam's learning rate (default: the report's, 1e-3 VAE, 2e-4 GAN)")
    train.add_argument("--beta-1", type=float, default=None,
                       help="GAN only: Adam's beta_1 (default 0.5, the report's)")
    train.add_argument("--beta-2", type=float, default=None,
                       help="GAN only: Adam's beta_2 (default 0.999)")


def _add_gan_options(train):
    train.add_argument("--loss", choices=list(GAN_LOSSES), default=None,
                       help="GAN only: adversarial loss (default bce, the report's)")
    train.add_argument("--gp-weight", type=float, default=None,
                       help="GAN only, --loss wgan-gp or bce-r1: weight of the gradient penalty "
                            "(default 10 and 1)")
    train.add_argument("--gp-interval", type=int, default=None,
                       help="GAN only, --loss wgan-gp or bce-r1: compute the penalty every "
                            "GP_INTERVAL-th discriminator step, weighted GP_INTERVAL times "
                            "(default 1: every step)")
    train.add_argument("--n-critic", type=int, default=None,
                       help="GAN only: discriminator steps per generator step "
                            "(default 1; 5 with --loss wgan-gp)")
    train.add_argument("--generator-learning-rate", type=float, default=None,
                       help="GAN only: the generator's own learning rate (default --learning-rate)")
    train.add_argument("--discriminator-learning-rate", type=float, default=None,
                       help="GAN only: the discriminator's own learning rate "
                            "(default --learning-rate)")
    train.add_argument("--spectral-norm", action="store_true", default=None,
                       help="GAN only: spectral normalisation of the discriminator")
    train.add_argument("--self-conditioning", type=int, default=None, metavar="K",
                       help="GAN only: train conditioned on K k-means clusters of the "
                            "(unlabelled) training images")
    train.add_argument("--conditioning", choices=list(LABEL_CONDITIONINGS), default=None,
                       help="GAN only: how the discriminator reads labels or clusters "
                            "('input', the default, or 'projection')")
    train.add_argument("--ema", type=float, default=None,
                       help="GAN only: sample from a moving average of the generator "
                            "with this momentum (for example 0.999)")


def _add_evaluate(sub):
    evaluate = sub.add_parser(
        "evaluate", help="print the sample-quality metrics of a saved model against real images",
        description="Draw samples from a saved model and print mnistgen.metrics' numbers "
        "against real images (the test split of mnist and fashion-mnist); write a picture "
        "of samples beside real images.")
    evaluate.add_argument("model_path", help="a file written by 'mnistgen train' or est.save()")
    _add_data_options(evaluate, "test")
    evaluate.add_argument("--classifier", default=None,
                          help="the metrics' classifier: 'mnist', 'fashion-mnist' or a weights "
                               "file of mnistgen.metrics.save_classifier_weights (default: the "
                               "shipped one of --data; for other labelled data one is fitted)")
    evaluate.add_argument("-n", "--n-samples", type=int, default=10000,
                          help="samples drawn, and real images used at most (default 10000)")
    evaluate.add_argument("--random-state", type=int, default=0, help="seed of the noise (default 0)")
    evaluate.add_argument("--out", default="evaluation.png",
                          help="PNG of samples beside real images (default evaluation.png)")
    evaluate.add_argument("--json", default=None, help="also write the metrics to this JSON file")


#: Options of ``mnistgen train`` that only one of the models has, by model.
_ONLY = {"vae": ("beta", "kl_warmup", "objective", "importance_samples", "prior",
                 "prior_components", "gmm", "conv_dense_units", "hidden_units"),
         "gan": ("loss", "gp_weight", "gp_interval", "n_critic", "spectral_norm", "ema", "self_conditioning", "conditioning",
                 "generator_learning_rate", "discriminator_learning_rate", "beta_1", "beta_2",
                 "generator_units", "discriminator_units", "conv_generator_filters")}
#: Options of ``mnistgen train`` that set no parameter of the same name
#: (``--gmm N`` makes a ``latent_sampler``).
_NOT_PARAMS = ("gmm",)
#: Options of ``mnistgen train`` passed on as estimator parameters when given
#: (a list of widths as a tuple): those of both models, then each model's own.
_PARAMS = ("epochs", "batch_size", "latent_dim", "architecture", "early_stopping",
           "validation_fraction", "n_iter_no_change", "tol", "on_divergence", "learning_rate",
           "conv_filters", "dtype_policy", "learning_rate_schedule") + tuple(
    name for names in _ONLY.values() for name in names if name not in _NOT_PARAMS)
#: Estimator parameters with no ``mnistgen train`` option, and why.
PYTHON_ONLY = {
    "callbacks": "Keras callback objects",
    "distribute_strategy": "a tf.distribute strategy object",
    "latent_sampler": "an estimator object; --gmm N sets a GaussianMixture(N)",
    "validation_features": "follows --data (the classifier of mnist or fashion-mnist)",
    "warm_start": "each 'mnistgen train' trains a new model",
}


def _save_figure(fig, path):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)


def _load_data(args, split):
    """``(images, labels or None, name)`` of ``--data``/``--mnist`` for ``split``."""
    from . import datasets

    if args.data is not None and args.mnist is not None:
        raise ValueError("--data and --mnist both name the data: give one.")
    data = args.data or "mnist"
    if data in DATASETS:
        loader = datasets.load_mnist if data == "mnist" else datasets.load_fashion_mnist
        try:
            splits = loader(args.mnist) if data == "mnist" else loader()
        except (OSError, ValueError):
            raise
        except Exception as exc:  # noqa: BLE001  # Keras's downloader raises a bare Exception offline
            local = ("--mnist PATH or $MNISTGEN_MNIST_PATH" if data == "mnist"
                     else "$MNISTGEN_FASHION_MNIST_PATH")
            raise OSError(f"could not download {data} through Keras ({exc}); "
                          f"name a local copy with {local}") from exc
        images, labels = splits[0] if split == "train" else splits[1]
        return images, labels, data
    bunch = datasets.load_images(data, images_key=args.images_key, labels_key=args.labels_key)
    return bunch.data, bunch.target, data


def _estimator(args):
    from . import GANGenerator, VAEGenerator

    cls = VAEGenerator if args.model == "vae" else GANGenerator
    params = {"random_state": args.random_state}
    params["verbose"] = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    for model, names in _ONLY.items():
        given = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) is not None]
        if given and args.model != model:
            raise ValueError(f"{', '.join(given)} applies to the {model.upper()} only.")
    if args.gmm is not None:
        from sklearn.mixture import GaussianMixture

        from ._params import check_positive_int

        params["latent_sampler"] = GaussianMixture(check_positive_int("--gmm", args.gmm))
    for name in _PARAMS:
        value = getattr(args, name)
        if value is not None:
            params[name] = tuple(value) if isinstance(value, list) else value
    if cls is GANGenerator and args.data == "fashion-mnist":
        params["validation_features"] = "fashion-mnist"
    params["conditional"] = args.conditional
    if args.preset is not None:
        return cls.from_preset(args.preset, **params)
    return cls(**params)


def _train(args):
    from ._params import check_positive_int
    from .plotting import plot_history, plot_images

    est = _estimator(args)
    x_train, y_train, name = _load_data(args, "train")
    if args.conditional and y_train is None:
        raise ValueError(f"--conditional needs labels, and {name} has none (a folder needs "
                         "one sub-folder per class; an .npz a labels array, see --labels-key).")
    if args.n_train is not None:
        check_positive_int("--n-train", args.n_train)
        x_train = x_train[: args.n_train]
        y_train = None if y_train is None else y_train[: args.n_train]
    os.makedirs(args.out, exist_ok=True)
    print(f"Training {type(est).__name__} on {len(x_train)} images of {name} for at most "
          f"{est.epochs} epochs", flush=True)
    start = time.perf_counter()
    est.fit(x_train, y_train)  # the labels are ignored unless --conditional
    seconds = time.perf_counter() - start
    model_path = est.save(os.path.join(args.out, "model.mnistgen"))
    _save_figure(plot_images(est.sample(64), n_cols=8, title=f"{type(est).__name__}: 64 samples"),
                 os.path.join(args.out, "samples.png"))
    _save_figure(plot_history(est), os.path.join(args.out, "losses.png"))
    with open(os.path.join(args.out, "history.json"), "w") as fh:
        json.dump({"seconds": seconds, "history": est.history_}, fh, indent=1)
    stopped = (f" (early stopping: best epoch {est.best_epoch_} of {est.n_iter_})"
               if hasattr(est, "best_epoch_") else "")
    print(f"Trained in {seconds:.1f} s{stopped}. Wrote {model_path}, samples.png, losses.png and "
          f"history.json to {args.out}", flush=True)


def _sample(args):
    from .persistence import load
    from .plotting import plot_images

    est = load(args.model_path)
    images = est.sample(args.n_samples, y=args.label, random_state=args.random_state)
    _save_figure(plot_images(images, title=f"{type(est).__name__}: {len(images)} samples"), args.out)
    print(f"Wrote {len(images)} samples to {args.out}", flush=True)


def _classifier(args, images, labels, name):
    """The metrics' classifier for ``evaluate``: named, from a file, shipped or fitted."""
    from . import metrics

    if args.classifier is not None:
        if args.classifier not in metrics.SHIPPED_CLASSIFIERS and not os.path.isfile(args.classifier):
            raise FileNotFoundError(f"--classifier {args.classifier!r}: no such shipped "
                                    f"classifier ({list(metrics.SHIPPED_CLASSIFIERS)}) or file.")
        return metrics.load_classifier(args.classifier)
    if name in DATASETS:
        return metrics.load_classifier(name)
    if labels is None:
        raise ValueError(f"{name} has no labels to fit the metrics' classifier on: pass "
                         "--classifier (a file of mnistgen.metrics.save_classifier_weights).")
    print(f"Fitting the metrics' classifier on the {len(images)} labelled images of {name}",
          flush=True)
    return metrics.fit_classifier(images, labels)


def _evaluate(args):
    import numpy as np

    from . import metrics
    from ._params import check_positive_int
    from .persistence import load
    from .plotting import plot_images

    n = check_positive_int("--n-samples", args.n_samples)
    est = load(args.model_path)
    images, labels, name = _load_data(args, "test")
    images, labels = images[:n], None if labels is None else labels[:n]
    classifier = _classifier(args, images, labels, name)
    asked = est.classes_[np.arange(n) % len(est.classes_)] if est.conditional else None
    samples = est.sample(n, y=asked, random_state=args.random_state)
    scores = metrics.evaluate(samples, images, labels=asked, classifier=classifier)
    print(f"{type(est).__name__} ({args.model_path}): {n} samples against {len(images)} "
          f"images of {name}")
    width = max(len(k) for k in scores)
    for key, value in scores.items():
        print(f"  {key.ljust(width)}  {value:.4f}")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    plot_images(samples[:64], n_cols=8, ax=axes[0], title=f"{type(est).__name__} samples")
    plot_images(images[:64], n_cols=8, ax=axes[1], title=f"real images ({name})")
    _save_figure(fig, args.out)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(scores, fh, indent=1)
    print(f"Wrote {args.out}" + (f" and {args.json}" if args.json else ""), flush=True)


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
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        print(f"mnistgen: error: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    commands = {"train": _train, "sample": _sample, "evaluate": _evaluate}
    try:
        commands[args.command](args)
    except (ValueError, TypeError, OSError) as exc:
        message = " ".join(str(exc).split())  # one line
        print(f"mnistgen: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
