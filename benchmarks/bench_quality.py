"""Measure what the report's VAE and GAN generate (run by hand, not in CI).

Trains the report-default ``VAEGenerator`` and ``GANGenerator`` on MNIST's
training images for several seeds, draws 10,000 samples from each, and prints
one table of :mod:`mnistgen.metrics` numbers against the 10,000 MNIST test
images: the VAE's test-set negative ELBO (nats), Frechet distance (FD),
classifier score (CS), smallest class share, k-NN precision and recall, and
sharpness, as mean +- standard deviation over seeds. Real digits give the
ceiling rows.

With ``--torch-python`` (a Python with ``torch==2.13.0``) the same run also
trains the report's models written the plain way in PyTorch
(``benchmarks/reference/ref_vae_torch.py`` and ``ref_gan_torch.py`` with
``OUT_NPZ``) for the same numbers of epochs and
scores its saved samples with the same metrics: its VAE's test-set negative
ELBO and samples, and its GAN's samples drawn both with batch norm in
inference mode (as ``GANGenerator.sample`` does) and with batch statistics
(as the report's figures were drawn). Other saved samples can be scored with
``--peer-npz NAME=PATH``.

Full run (about 70 minutes on 2 CPU cores)::

    python benchmarks/bench_quality.py --seeds 0 1 2 --torch-python /tmp/torchenv/bin/python

(MNIST through :func:`mnistgen.datasets.load_mnist`: ``MNISTGEN_MNIST_PATH``
or Keras's download).

The options beyond the report are measured next to the defaults with
``--models`` (``vae gan`` by default)::

    vae, gan            the report's MLP models
    conv-vae, conv-gan  architecture="conv"
    cvae, cgan          conditional=True (MLP), trained on the labels
    conv-cvae, conv-cgan  both

All VAE variants train ``--epochs-vae`` epochs, all GAN variants
``--epochs-gan``, unless ``--epochs MODEL=N`` sets a model's own (for
example ``--epochs conv-gan=20``, as a convolutional GAN on a CPU costs
about seven times the MLP GAN's epoch). Conditional models are asked for the labels 0-9 in turn
(``sample(n, y=np.arange(n) % 10)``), and the "label acc" column is the
shipped classifier's accuracy on those requested labels (chance: 0.1).
For example, a reduced budget::

    python benchmarks/bench_quality.py --seeds 0 --n-train 10000 --n-samples 2000 \
        --epochs-vae 5 --epochs-gan 3 --models vae cvae conv-vae gan cgan conv-gan

A model named ``NAME-gmm`` samples through ``GaussianMixture(10)`` fitted on
the training latents (``NAME-gmm20``, ``NAME-gmm50``: 20 and 50 components);
when ``NAME`` comes before it in ``--models``, its trained networks are
reused (``fit_latent_sampler``), so the rows compare prior and mixture
samples of the same models. The VAE comparison of the
options (issue 23)::

    python benchmarks/bench_quality.py --seeds 0 1 2 --features \
        --models vae vae-gmm conv-vae-32 conv-vae-32-gmm conv-vae-32-d256 conv-vae-32-d256-gmm \
        --epochs conv-vae-32=20 conv-vae-32-gmm=20 conv-vae-32-d256=20 conv-vae-32-d256-gmm=20 \
        --results benchmarks/measured/vae_quality.json

Uncurated 8x8 sample grids go to ``--out`` (default
``benchmarks/results/quality``, git-ignored), and for latent size 2 with a
mixture sampler the map of test latents with the mixture's components.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402  (this checkout's mnistgen first)

from mnistgen import GANGenerator, VAEGenerator  # noqa: E402
from mnistgen import metrics  # noqa: E402
from mnistgen.datasets import load_fashion_mnist, load_mnist  # noqa: E402

#: --dataset: the loader, and the shipped classifier of mnistgen.metrics that judges it.
DATASETS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}

BENCH = _common.BENCH
#: Epochs after which ref_gan_torch.py saves samples.
PEER_GAN_EPOCHS = (1, 5, 10, 20, 30, 50, 100, 200)

COLUMNS = ["neg. ELBO (nats)", "IWAE k=100 (nats)", "FD", "CS", "min share", "precision", "recall",
           "sharpness", "label acc", "LR acc", "s/epoch"]
FORMATS = ["{:.1f}", "{:.1f}", "{:.2f}", "{:.2f}", "{:.3f}", "{:.3f}", "{:.3f}", "{:.3f}", "{:.3f}",
           "{:.4f}", "{:.1f}"]

#: Benchmark model names: (estimator class, extra parameters).
MODELS = {
    "vae": (VAEGenerator, {}),
    "gan": (GANGenerator, {}),
    "conv-vae": (VAEGenerator, {"architecture": "conv"}),
    "conv-gan": (GANGenerator, {"architecture": "conv"}),
    "cvae": (VAEGenerator, {"conditional": True}),
    "cgan": (GANGenerator, {"conditional": True}),
    "conv-cvae": (VAEGenerator, {"architecture": "conv", "conditional": True}),
    "conv-cgan": (GANGenerator, {"architecture": "conv", "conditional": True}),
    # ex-post latent samplers and larger latents of the VAE
    "vae-gmm": (VAEGenerator, {"latent_sampler": "gmm10"}),
    "vae-16": (VAEGenerator, {"latent_dim": 16}),
    "vae-16-gmm": (VAEGenerator, {"latent_dim": 16, "latent_sampler": "gmm10"}),
    "conv-vae-16": (VAEGenerator, {"architecture": "conv", "latent_dim": 16}),
    "conv-vae-16-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 16,
                                       "latent_sampler": "gmm10"}),
    "conv-vae-gmm": (VAEGenerator, {"architecture": "conv", "latent_sampler": "gmm10"}),
    "conv-vae-32": (VAEGenerator, {"architecture": "conv", "latent_dim": 32}),
    "conv-vae-32-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                       "latent_sampler": "gmm10"}),
    "conv-vae-32-d256": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                        "conv_dense_units": (256,)}),
    "conv-vae-32-d256-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                            "conv_dense_units": (256,), "latent_sampler": "gmm10"}),
    # the same with learning_rate_schedule="cosine"
    "conv-vae-32-d256-cos-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                "conv_dense_units": (256,),
                                                "learning_rate_schedule": "cosine",
                                                "latent_sampler": "gmm10"}),
    # the same with a KL warm-up over its first 10 epochs
    "conv-vae-32-d256-cos-warm-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                     "conv_dense_units": (256,),
                                                     "learning_rate_schedule": "cosine",
                                                     "kl_warmup": 10,
                                                     "latent_sampler": "gmm10"}),
    # the same trained on the importance-weighted bound with 5 draws (objective="iwae")
    "conv-vae-32-d256-iwae5-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                  "conv_dense_units": (256,), "objective": "iwae",
                                                  "importance_samples": 5,
                                                  "latent_sampler": "gmm10"}),
    # the same with a learned prior: a mixture of 10 Gaussians (prior="mixture")
    "conv-vae-32-d256-mog10": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                              "conv_dense_units": (256,), "prior": "mixture"}),
    "conv-vae-32-d256-mog10-gmm": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                  "conv_dense_units": (256,), "prior": "mixture",
                                                  "latent_sampler": "gmm10"}),
    "conv-vae-32-d256-mog10-gmm20": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                    "conv_dense_units": (256,), "prior": "mixture",
                                                    "latent_sampler": "gmm20"}),
    "conv-vae-32-d256-mog10-gmm50": (VAEGenerator, {"architecture": "conv", "latent_dim": 32,
                                                    "conv_dense_units": (256,), "prior": "mixture",
                                                    "latent_sampler": "gmm50"}),
    "conv-vae-0.1": (VAEGenerator, {"architecture": "conv", "conv_dense_units": ()}),
    # the stable-GAN options (GANGenerator's loss, spectral_norm, ema, ...)
    "gan-ema": (GANGenerator, {"ema": 0.999}),
    "gan-ema-r1": (GANGenerator, {"ema": 0.999, "loss": "bce-r1"}),
    "gan-hinge": (GANGenerator, {"loss": "hinge", "spectral_norm": True, "ema": 0.999}),
    "conv-gan-ema": (GANGenerator, {"architecture": "conv", "ema": 0.999}),
    "conv-gan-hinge": (GANGenerator, {"architecture": "conv", "loss": "hinge",
                                      "spectral_norm": True, "ema": 0.999}),
    "conv-cgan-hinge": (GANGenerator, {"architecture": "conv", "conditional": True,
                                       "loss": "hinge", "spectral_norm": True, "ema": 0.999}),
    "conv-gan-wgan": (GANGenerator, {"architecture": "conv", "loss": "wgan-gp", "ema": 0.999,
                                     "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}),
    "conv-gan-wide-ema": (GANGenerator, {"architecture": "conv", "conv_filters": (64, 128),
                                         "ema": 0.999}),
    "conv-gan-sn-ttur": (GANGenerator, {"architecture": "conv", "loss": "hinge",
                                        "spectral_norm": True, "ema": 0.999, "beta_1": 0.0,
                                        "beta_2": 0.9, "generator_learning_rate": 1e-4,
                                        "discriminator_learning_rate": 4e-4}),
    "conv-cgan-ema": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999}),
    # self-conditioning: the conditional GAN on k-means clusters of the images
    "conv-gan-sc20": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                     "self_conditioning": 20}),
    "conv-gan-sc50": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                     "self_conditioning": 50}),
    "conv-gan-sc100": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                      "self_conditioning": 100}),
    # the projection discriminator (conditioning="projection")
    "conv-gan-sc50-proj": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                          "self_conditioning": 50, "conditioning": "projection"}),
    "conv-gan-sc100-proj": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                           "self_conditioning": 100,
                                           "conditioning": "projection"}),
    "conv-cgan-proj": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                      "conditioning": "projection"}),
    # the report's loss on logits, the R1 penalty (GANGenerator's loss="bce-logits", "bce-r1")
    "conv-cgan-logits": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                        "loss": "bce-logits"}),
    "conv-cgan-r1": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                    "loss": "bce-r1"}),
    "conv-cgan-r1-10": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                       "loss": "bce-r1", "gp_weight": 10.0}),
    "conv-gan-sc100-r1": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                         "self_conditioning": 100, "loss": "bce-r1"}),
    "conv-cgan-proj-r1": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                         "conditioning": "projection", "loss": "bce-r1"}),
    "conv-cgan-proj-r1-lazy4": (GANGenerator, {"architecture": "conv", "conditional": True,
                                               "ema": 0.999, "conditioning": "projection",
                                               "loss": "bce-r1", "gp_interval": 4}),
    "conv-gan-sc50-proj-r1": (GANGenerator, {"architecture": "conv", "ema": 0.999,
                                             "self_conditioning": 50, "conditioning": "projection",
                                             "loss": "bce-r1"}),
    # a wider generator than discriminator (conv_generator_filters)
    "conv-cgan-wideg": (GANGenerator, {"architecture": "conv", "conditional": True, "ema": 0.999,
                                       "conv_generator_filters": (64, 128)}),
    # the presets, as from_preset builds them (their recipe's epochs unless --epochs says)
    "gan-recommended": (GANGenerator, GANGenerator.presets()["recommended"].recipe()),
    "cgan-recommended": (GANGenerator,
                         GANGenerator.presets()["recommended"].recipe(conditional=True)),
    "vae-recommended": (VAEGenerator, VAEGenerator.presets()["recommended"].recipe()),
    "cvae-recommended": (VAEGenerator,
                         VAEGenerator.presets()["recommended"].recipe(conditional=True)),
}
# the VAE preset's networks sampled otherwise: from its learned prior, through 10 or 20
# components (trained once with vae-recommended when it comes first in --models)
_VAE_PRESET = MODELS["vae-recommended"][1]
MODELS.update({"vae-recommended-prior": (VAEGenerator, {**_VAE_PRESET, "latent_sampler": None}),
               "vae-recommended-gmm10": (VAEGenerator, {**_VAE_PRESET, "latent_sampler": "gmm10"}),
               "vae-recommended-gmm20": (VAEGenerator, {**_VAE_PRESET, "latent_sampler": "gmm20"})})
# the presets with their hidden layers in bfloat16 (dtype_policy="mixed_bfloat16")
MODELS.update({f"{key}-bf16": (cls, {**params, "dtype_policy": "mixed_bfloat16"})
               for key, (cls, params) in MODELS.items() if key.endswith("-recommended")})


def _built(params):
    """The parameters, with a name "gmmN" made an N-component GaussianMixture."""
    from sklearn.mixture import GaussianMixture

    return {k: GaussianMixture(int(v[3:])) if isinstance(v, str) and re.fullmatch(r"gmm\d+", v)
            else v for k, v in params.items()}


def logistic_accuracy(f_train, y_train, f_test, y_test):
    """Test accuracy of a standardised logistic regression fitted on the training features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    return float(model.fit(f_train, y_train).score(f_test, y_test))


def summarise(rows):
    """Mean and sample standard deviation of each column over seeds."""
    out = {}
    for col in COLUMNS:
        vals = [r[col] for r in rows if col in r]
        if not vals:
            continue
        spread = float(np.std(vals, ddof=1)) if len(vals) > 1 else None
        out[col] = (float(np.mean(vals)), spread)
    return out


def cell(col, stat):
    if stat is None:
        return "n/a"
    fmt = FORMATS[COLUMNS.index(col)]
    mean, spread = stat
    return fmt.format(mean) if spread is None else f"{fmt.format(mean)} ± {fmt.format(spread)}"


def print_table(table):
    header = ["model", "runs"] + COLUMNS
    body = [[name, str(n)] + [cell(c, summary.get(c)) for c in COLUMNS] for name, n, summary in table]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    sep = "+".join("-" * (w + 2) for w in widths)
    line = lambda r: "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |"  # noqa: E731
    print("+" + sep + "+")
    print(line(header))
    print("+" + sep.replace("-", "=") + "+")
    for r in body:
        print(line(r))
    print("+" + sep + "+")


def save_grid(images, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mnistgen.plotting import plot_images

    fig = plot_images(np.asarray(images[:64]), n_cols=8, title=title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_latent_map(vae, images, labels, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mnistgen.plotting import plot_latent_space

    fig = plot_latent_space(vae, images, labels, title=title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def load_peer(spec):
    if "=" not in spec:
        raise SystemExit(f"--peer-npz takes NAME=PATH, got {spec!r}")
    name, path = spec.split("=", 1)
    with np.load(path, allow_pickle=False) as npz:
        samples = np.asarray(npz["samples"], dtype=np.float32).reshape(-1, 28, 28)
    # float round-off in the peers' tanh/sigmoid outputs can leave [0, 1] by ~1e-7
    return name, np.clip(samples, 0.0, 1.0)


def run_peer(script, epochs, python, out_npz):
    """Train a reference recipe with ``OUT_NPZ``; return (seconds, stdout)."""
    env = dict(os.environ, OUT_NPZ=os.path.abspath(out_npz))
    env.setdefault("MNIST_NPZ", _common.mnist_file())
    cmd = [python, os.path.join(BENCH, script), str(epochs)]
    print("running " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=BENCH)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - t, done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs-vae", type=int, default=50, help="VAE epochs (report: 50)")
    parser.add_argument("--epochs-gan", type=int, default=None,
                        help="GAN epochs (default: GANGenerator's default)")
    parser.add_argument("--epochs", nargs="*", default=[], metavar="MODEL=N",
                        help="epochs of one model, overriding --epochs-vae/--epochs-gan")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist",
                        help="the data (Fashion-MNIST through MNISTGEN_FASHION_MNIST_PATH or "
                             "Keras), judged by its shipped classifier")
    parser.add_argument("--n-train", type=int, default=60000, help="training images used")
    parser.add_argument("--n-samples", type=int, default=10000, help="samples scored per model")
    parser.add_argument("--peer-npz", nargs="*", default=[], metavar="NAME=PATH",
                        help="score saved samples (an .npz with a 'samples' array)")
    parser.add_argument("--models", nargs="+", default=["vae", "gan"], choices=list(MODELS))
    parser.add_argument("--torch-python", default=None,
                        help="python with torch==2.13.0: also train and score the report's PyTorch code")
    parser.add_argument("--out", default=os.path.join("benchmarks", "results", "quality"))
    parser.add_argument("--results", default=None,
                        help="also write the table, machine, command and date to this JSON file "
                             "(benchmarks/measured/*.json are the docs' tables)")
    parser.add_argument("--features", action="store_true",
                        help="VAEs: also the test accuracy of a logistic regression on the "
                             "transform latents (LR acc), the IWAE bound with k=100 on the "
                             "first 2,000 test images, and a raw-pixel LR row")
    parser.add_argument("--reuse-rows", action="store_true",
                        help="take each (model, epochs, seed) already measured from OUT/rows.json "
                             "instead of training it again (every run records its rows there)")
    parser.add_argument("--recorded-only", action="store_true",
                        help="with --reuse-rows: leave out each (model, seed) not in OUT/rows.json "
                             "instead of training it (a results file of the seeds measured)")
    parser.add_argument("--rows-from", nargs="*", default=[], metavar="DIR",
                        help="with --reuse-rows: also take rows recorded in DIR/rows.json (read "
                             "only; OUT's own rows first), for one table of rows from several runs")
    parser.add_argument("--curve", action="store_true",
                        help="also score --n-samples samples after every epoch of each model "
                             "trained (OUT/MODEL_seedS_curve.json, the rows of bench_gan_curve.py); "
                             "s/epoch leaves the scoring out")
    args = parser.parse_args(argv)
    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv), flush=True)
    os.makedirs(args.out, exist_ok=True)

    (x_train, y_train), (x_test, y_test) = DATASETS[args.dataset]()
    x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
    t0 = time.perf_counter()
    judge = metrics.load_classifier(args.dataset)
    ref_feats = metrics.reference_features(x_test, classifier=judge)
    title = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[args.dataset]

    table = []
    real_rows = [(f"{title} test set (vs itself)", x_test), (f"{title} train, first 10,000", x_train[:10000])]
    for name, images in real_rows:
        table.append((name, 1, summarise([metrics.evaluate(images, ref_feats, classifier=judge)])))
    if args.features:
        acc = logistic_accuracy(x_train.reshape(len(x_train), -1) / 255.0, y_train,
                                x_test.reshape(len(x_test), -1) / 255.0, y_test)
        table.append(("raw pixels (LR acc only)", 1, summarise([{"LR acc": acc}])))
    save_grid(x_test, os.path.join(args.out, "real_test.png"), f"{title} test images")

    gan_epochs = args.epochs_gan if args.epochs_gan is not None else GANGenerator().epochs
    model_epochs = {}
    for spec in args.epochs:
        name, _, value = spec.partition("=")
        if name not in MODELS or not value.isdigit():
            parser.error(f"--epochs takes MODEL=N with MODEL one of {list(MODELS)}, got {spec!r}")
        model_epochs[name] = int(value)
    rows_path = os.path.join(args.out, "rows.json")
    recorded, own = {}, {}  # every row to reuse; this run's --out rows, which it writes back
    for path in [os.path.join(d, "rows.json") for d in reversed(args.rows_from)] + [rows_path]:
        if os.path.exists(path):
            with open(path) as fh:
                found = json.load(fh)
            recorded.update(found)
            if path == rows_path:
                own = found
    trained = {}
    for model_name in args.models:
        rows = []
        for seed in args.seeds:
            t = time.perf_counter()
            cls, extra = MODELS[model_name]
            extra = dict(extra)
            epochs = model_epochs.get(model_name, extra.pop("epochs", None)
                                      or (args.epochs_vae if cls is VAEGenerator else gan_epochs))
            key = f"{model_name} epochs={epochs} seed={seed} n_train={len(x_train)} n_samples={args.n_samples}"
            if args.dataset != "mnist":
                key += f" dataset={args.dataset}"
            if args.reuse_rows and key in recorded:
                rows.append(recorded[key])
                source = rows_path if key in own else "a --rows-from folder"
                print(f"{model_name} seed {seed}: reused from {source}: "
                      + ", ".join(f"{k} {v:.4g}" for k, v in recorded[key].items()), flush=True)
                continue
            if args.recorded_only:
                continue
            # a "-gmm" twin of a model trained in this run reuses its networks:
            # only the sampler is fitted (fit_latent_sampler), as fit would
            same = (cls.__name__, repr(sorted((k, v) for k, v in extra.items()
                                              if k != "latent_sampler")), epochs, seed)
            if same in trained:
                est, fit_s = trained[same]
                est.set_params(latent_sampler=_built(extra).get("latent_sampler"))
                est.fit_latent_sampler(x_train, y_train)
            else:
                callbacks = []
                if args.curve:
                    curve_path = os.path.join(args.out, f"{model_name}_seed{seed}_curve.json")
                    callbacks = [_common.epoch_scorer(
                        model_name, ref_feats, args.n_samples, seed, x_train, y_train,
                        lambda rows, path=curve_path: _common.write_json(path, rows=rows))]
                est = cls(epochs=epochs, random_state=seed, callbacks=callbacks, **_built(extra))
                est.fit(x_train, y_train)  # y is ignored by unconditional models
                fit_s = time.perf_counter() - t - sum(c.eval_seconds for c in callbacks)
                trained[same] = est, fit_s
            asked = np.arange(args.n_samples) % 10 if est.conditional else None
            samples = est.sample(args.n_samples, y=asked, random_state=10_000 + seed)
            row = metrics.evaluate(samples, ref_feats, labels=asked, classifier=judge)
            row["s/epoch"] = fit_s / epochs
            if cls is VAEGenerator and not est.conditional:
                row["neg. ELBO (nats)"] = -est.score(x_test)
                if args.features:
                    row["IWAE k=100 (nats)"] = -est.score(x_test[:2000], n_importance=100)
                    row["LR acc"] = logistic_accuracy(est.transform(x_train), y_train,
                                                      est.transform(x_test), y_test)
            rows.append(row)
            recorded[key] = own[key] = row
            with open(rows_path, "w") as fh:
                json.dump(own, fh, indent=1)
            save_grid(samples, os.path.join(args.out, f"{model_name}_seed{seed}.png"),
                      f"{model_name.upper()} seed {seed}, {epochs} epochs (uncurated)")
            np.savez_compressed(os.path.join(args.out, f"{model_name}_seed{seed}.npz"),
                                samples=samples[:64], epochs=epochs)
            if cls is VAEGenerator and est.latent_dim == 2 and hasattr(est, "latent_samplers_"):
                save_latent_map(est, x_test[:5000], y_test[:5000],
                                os.path.join(args.out, f"{model_name}_seed{seed}_latent.png"),
                                f"{model_name} seed {seed}: test latents, mixture components")
            print(f"{model_name} seed {seed}: {epochs} epochs in {fit_s:.0f} s; "
                  + ", ".join(f"{k} {v:.4g}" for k, v in row.items()), flush=True)
        if rows:
            table.append((f"mnistgen {model_name} ({epochs} ep)", len(rows), summarise(rows)))

    peers = list(args.peer_npz)
    if args.torch_python:
        os.makedirs(os.path.join(args.out, "peers"), exist_ok=True)
        if "vae" in args.models:
            path = os.path.abspath(os.path.join(args.out, "peers", "vae_torch.npz"))
            secs, out = run_peer("ref_vae_torch.py", args.epochs_vae, args.torch_python, path)
            elbo = float(re.search(r"test_neg_elbo ([\d.]+)", out).group(1))
            print(f"report PyTorch VAE: {args.epochs_vae} epochs in {secs:.0f} s; "
                  f"test neg. ELBO {elbo:.2f}", flush=True)
            peers.append((f"report's PyTorch VAE ({args.epochs_vae} ep)", path, elbo))
        if "gan" in args.models:
            if gan_epochs not in PEER_GAN_EPOCHS:
                print(f"ref_gan_torch.py saves samples only after {PEER_GAN_EPOCHS} epochs; "
                      f"not run for {gan_epochs}", flush=True)
            else:
                path = os.path.abspath(os.path.join(args.out, "peers", "gan_torch.npz"))
                secs, _ = run_peer("ref_gan_torch.py", gan_epochs, args.torch_python, path)
                print(f"report PyTorch GAN: {gan_epochs} epochs in {secs:.0f} s", flush=True)
                stem = path[:-4] + f"_e{gan_epochs}"
                peers.append((f"report's PyTorch GAN ({gan_epochs} ep, BN inference)",
                              stem + ".npz", None))
                peers.append((f"report's PyTorch GAN ({gan_epochs} ep, BN batch stats)",
                              stem + "_train.npz", None))

    for spec in peers:
        elbo = None
        if isinstance(spec, tuple):
            spec, elbo = f"{spec[0]}={spec[1]}", spec[2]
        name, samples = load_peer(spec)
        row = metrics.evaluate(samples[: args.n_samples], ref_feats, classifier=judge)
        if elbo is not None:
            row["neg. ELBO (nats)"] = elbo
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        save_grid(samples, os.path.join(args.out, f"peer_{slug}.png"), f"{name} (uncurated)")
        print(f"{name}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()), flush=True)
        table.append((name, 1, summarise([row])))

    print()
    print(f"n_train={len(x_train)}, {args.n_samples} samples per model vs the {len(x_test):,} "
          f"{title} test images; mean ± sd over seeds {args.seeds}; total {time.perf_counter() - t0:.0f} s")
    print_table(table)
    if args.results:
        _common.write_results(args.results, COLUMNS, FORMATS, table, dataset=args.dataset,
                              n_train=len(x_train), n_samples=args.n_samples, seeds=args.seeds)


if __name__ == "__main__":
    main()
