"""Speed benchmark: mnistgen's training and sampling against the reference recipes.

Run by hand (not in CI), from the repository root::

    python benchmarks/bench_speed.py --epochs 3 --baseline --torch-python /tmp/torchenv/bin/python

It trains the report's VAE (batch 100) and GAN (batch 64) on the 60,000 MNIST
training images and prints one table with, for mnistgen and for each reference
recipe in ``benchmarks/reference`` (the report's models written the plain way
in PyTorch and as a plain Keras ``train_step`` model, each run in a subprocess
in the same run, on the same MNIST file):

* seconds per epoch (median over the epochs after the first) and images/s;
* the FLOPs of one epoch (matrix multiplies of the forward and backward
  passes), the achieved GFLOP/s and its fraction of this machine's float32
  matrix-multiply rate, measured in the same run (at the start and after
  each model's mnistgen epochs; the median is used) as the fastest of XLA,
  TensorFlow's own kernel and NumPy's BLAS on a 2048x2048 product;
* mnistgen's epoch time as a ratio to each reference;

then ``sample(10_000)`` and ``transform(10_000)`` wall times, one more
epoch of each model through ``partial_fit`` (what a call costs beyond an
epoch inside ``fit``), and the final losses (and the VAE's test-set negative
ELBO) so that speed changes can be checked not to change what is learned.
``--floor`` adds the step's matrix multiplies alone and the Adam updates
alone; ``--shapes`` each matrix multiply of a step alone, by XLA and by
NumPy's BLAS.

``--results FILE`` also writes the main table, with the sampling,
``partial_fit`` and test-ELBO figures as further columns of the mnistgen
and reference rows and the matrix-multiply rate as a row of its own, as
JSON in the schema of ``bench_quality.py --results``
(:func:`_common.write_results`). ``benchmarks/measured/speed.json`` is the
documentation's performance table::

    python benchmarks/bench_speed.py --epochs 4 --torch-python /tmp/torchenv/bin/python \
        --results benchmarks/measured/speed.json

MNIST comes through :func:`mnistgen.datasets.load_mnist`: the file named by
``--mnist`` or ``MNISTGEN_MNIST_PATH`` (a Keras-format ``mnist.npz``), else
Keras's download; the reference recipes are handed the same images.
The PyTorch recipes need ``torch==2.13.0`` in a separate environment
(``python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy``);
without ``--torch-python`` they are skipped and the table says so.
"""
import argparse
import os
import re
import shlex
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools

import numpy as np

print = functools.partial(print, flush=True)  # noqa: A001 - progress when piped

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine, median_after_first, mnist_file, ours, reference, timed, write_results  # noqa: E402  (this checkout's mnistgen first)

#: ``--results``: the columns of the JSON table and their formats.
COLUMNS = ["s/epoch", "images/s", "GFLOP/s", "of matmul rate", "mnistgen time / this",
           "sample(10_000) s", "transform(10_000) s", "partial_fit s", "neg. ELBO (nats)"]
FORMATS = ["{:.2f}", "{:,.0f}", "{:.1f}", "{:.0%}", "{:.2f}x", "{:.3f}", "{:.3f}", "{:.2f}",
           "{:.2f}"]
#: Rows that ``sample`` draws and ``transform`` encodes (the 10,000 test images).
N_SAMPLES = 10_000


def flops_per_image(layers):
    """Forward + backward matmul FLOPs of an MLP given its (in, out) layer sizes.

    Forward is 2*in*out per layer; backward is twice that (input and weight
    gradients), so 6*in*out in all.
    """
    return sum(6 * i * o for i, o in layers)


def vae_layers(n_pixels=784, hidden=(512, 256), latent=2):
    dims = [n_pixels, *hidden]
    enc = list(zip(dims[:-1], dims[1:])) + [(hidden[-1], latent)] * 2
    dec_dims = [latent, *reversed(hidden), n_pixels]
    return enc + list(zip(dec_dims[:-1], dec_dims[1:]))


def vae_flops(**sizes):
    return flops_per_image(vae_layers(**sizes))


def gan_layers(n_pixels=784, latent=100, g_units=(128, 256, 512, 1024), d_units=(512, 256)):
    g_dims = [latent, *g_units, n_pixels]
    d_dims = [n_pixels, *d_units, 1]
    return list(zip(g_dims[:-1], g_dims[1:])), list(zip(d_dims[:-1], d_dims[1:]))


def gan_flops(**sizes):
    g, d = gan_layers(**sizes)
    d_fwd = sum(2 * i * o for i, o in d)
    # generator step: G forward+backward, D forward + input gradients only;
    # discriminator step: D forward+backward on the real and the fake batch.
    return flops_per_image(g) + 2 * d_fwd + 2 * flops_per_image(d)


def step_matmuls(name, batch):
    """The matrix multiplies of one training step, as (rows, in, out, kinds).

    ``kinds`` names which of the three products of a dense layer the step
    computes: ``f`` forward (rows x in times in x out), ``x`` the input
    gradient, ``w`` the weight gradient; the FLOPs are those counted by
    :func:`vae_flops` and :func:`gan_flops`.
    """
    if name == "vae":
        return [(batch, i, o, "fxw") for i, o in vae_layers()]
    g, d = gan_layers()
    return ([(batch, i, o, "fxw") for i, o in g]            # generator step: G
            + [(batch, i, o, "fx") for i, o in d]           # ... through D to z
            + [(2 * batch, i, o, "fxw") for i, o in d])     # discriminator step


def fastest(fn, repeats):
    """Seconds of the fastest of ``repeats`` calls of ``fn``, after one (compiling) call.

    ``fn`` returns a tensor (whose value is awaited) or nothing.
    """
    np.asarray(fn())
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(fn())
        best = min(best, time.perf_counter() - start)
    return best


def matmul_floor(tf, matmuls, steps, repeats=3):
    """GFLOP/s of one epoch of a step's matrix multiplies alone, at their shapes.

    One XLA-compiled loop of ``steps`` iterations runs every product of
    ``matmuls`` (see :func:`step_matmuls`) on fixed random operands, each
    weight getting a tiny update so that nothing is hoisted out of the loop:
    the same FLOPs as training, with no activations, losses, optimizer or
    input pipeline. Returns (GFLOP/s, seconds), the best of ``repeats``.
    """
    weights = [tf.Variable(tf.random.normal((i, o), stddev=0.01)) for _, i, o, _ in matmuls]
    inputs = [tf.random.normal((r, i)) for r, i, _, _ in matmuls]
    grads = [tf.random.normal((r, o)) for r, _, o, _ in matmuls]
    flops = sum(2 * r * i * o * len(kinds) for r, i, o, kinds in matmuls) * steps

    @tf.function(jit_compile=True)
    def epoch():
        def body(k, acc):
            for w, x, g, (_, _, _, kinds) in zip(weights, inputs, grads, matmuls):
                y = tf.matmul(x, w)
                acc += y[0, 0]
                if "x" in kinds:
                    acc += tf.matmul(g, w, transpose_b=True)[0, 0]
                if "w" in kinds:
                    w.assign_sub(1e-9 * tf.matmul(x, g + y[:, :1], transpose_a=True))
            return k + 1, acc

        return tf.while_loop(lambda k, acc: k < steps, body, (tf.constant(0), tf.constant(0.0)))[1]

    best = fastest(epoch, repeats)
    return flops / best / 1e9, best


def optimizer_floor(tf, keras, shapes, steps, optimizer, repeats=3):
    """Seconds of one epoch of the optimizer's updates alone.

    One XLA-compiled loop of ``steps`` updates by a fresh copy of
    ``optimizer`` (a fitted model's Keras optimizer: the same class and
    settings) of variables shaped like the model's trainable weights, with
    fixed gradients: what the updates cost (they read the gradient, the
    weight and both moments and write three of them, so they are bound by
    memory traffic, not arithmetic) without anything else. Best of
    ``repeats``.
    """
    variables = [keras.Variable(np.zeros(s, np.float32)) for s in shapes]
    grads = [tf.random.normal(s) for s in shapes]
    optimizer = optimizer.__class__.from_config(optimizer.get_config())
    optimizer.build(variables)

    @tf.function(jit_compile=True)
    def epoch():
        def body(k):
            optimizer.apply_gradients(zip(grads, variables))
            return (k + 1,)

        return tf.while_loop(lambda k: k < steps, body, (tf.constant(0),))[0]

    return fastest(epoch, repeats)


def shape_rates(tf, matmuls, steps=300, repeats=3):
    """GFLOP/s of each product of ``matmuls`` alone, by XLA and by NumPy's BLAS.

    Yields ``(rows, in, out, kind, xla_seconds, xla_gflops, numpy_gflops)``
    per product (kinds as in :func:`step_matmuls`), with the operands laid
    out as in training (``f = x w``, ``x = g w^T``, ``w = x^T g``), each
    timed over ``steps`` repetitions, the best of ``repeats``: XLA in one
    compiled loop (each product's operand depends on the previous result, so
    that no product is hoisted out of the loop), NumPy's ``matmul`` into a
    preallocated output (on transposed views, which BLAS reads without a
    copy). Two libraries, to tell the shapes' limit from one library's.
    """
    rng = np.random.default_rng(0)
    for r, i, o, kinds in matmuls:
        for kind in kinds:
            # operand shapes and which one enters transposed
            a_shape, b_shape, ta, tb = {"f": ((r, i), (i, o), False, False),
                                        "x": ((r, o), (i, o), False, True),
                                        "w": ((r, i), (r, o), True, False)}[kind]
            a = rng.standard_normal(a_shape, dtype=np.float32)
            b = rng.standard_normal(b_shape, dtype=np.float32)
            a_in, b_in = tf.constant(a), tf.constant(b)

            @tf.function(jit_compile=True)
            def loop():
                def body(k, acc):
                    out = tf.matmul(a_in + acc * 1e-30, b_in, transpose_a=ta, transpose_b=tb)
                    return k + 1, acc + out[0, 0]

                return tf.while_loop(lambda k, acc: k < steps, body,
                                     (tf.constant(0), tf.constant(0.0)))[1]

            a_np, b_np = (a.T if ta else a), (b.T if tb else b)
            out = np.empty((a_np.shape[0], b_np.shape[1]), np.float32)

            def numpy_loop():
                for _ in range(steps):
                    np.matmul(a_np, b_np, out=out)

            flops = 2 * r * i * o * steps
            xla = fastest(loop, repeats)
            yield r, i, o, kind, xla / steps, flops / xla / 1e9, flops / fastest(numpy_loop, repeats) / 1e9


LIBRARIES = ("XLA", "TensorFlow", "NumPy")


def matmul_rate(seconds=1.5, n=2048):
    """Measured float32 GFLOP/s of a large square matrix multiply, per library.

    Returns ``{library: GFLOP/s}`` for XLA, TensorFlow's own kernel (a
    ``tf.function`` without XLA) and NumPy's BLAS, each run for ``seconds``.
    The machine's practical limit is the fastest of them: which one that is
    depends on the processor (on an AMD EPYC without AVX-512, TensorFlow's
    own kernel ran at two thirds of NumPy's OpenBLAS rate).
    """
    from mnistgen._backend import get_tensorflow

    tf = get_tensorflow()
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    a_np, b_np = a.numpy(), b.numpy()
    out = np.empty((n, n), np.float32)

    def product(a, b):
        return tf.reduce_sum(tf.matmul(a, b))

    runs = {
        name: (lambda fn=tf.function(product, jit_compile=jit, autograph=False): fn(a, b).numpy())
        for name, jit in (("XLA", True), ("TensorFlow", False))
    }
    runs["NumPy"] = lambda: np.matmul(a_np, b_np, out=out)
    rates = {}
    for name in LIBRARIES:
        run = runs[name]
        run()
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            run()
            reps += 1
        rates[name] = 2 * n**3 * reps / (time.perf_counter() - start) / 1e9
    return rates


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run (median over all but the first)")
    parser.add_argument("--torch-python", default=None, help="python with torch==2.13.0 for the PyTorch recipes")
    parser.add_argument("--mnist", default=os.environ.get("MNISTGEN_MNIST_PATH"), help="Keras-format mnist.npz")
    parser.add_argument("--models", nargs="+", default=["vae", "gan"], choices=["vae", "gan"])
    parser.add_argument("--skip-references", action="store_true", help="time mnistgen only")
    parser.add_argument("--floor", action="store_true",
                        help="also time each step's matrix multiplies alone at their shapes (the floor) "
                             "and the Adam updates alone")
    parser.add_argument("--shapes", action="store_true",
                        help="also time each matrix multiply of a step alone, by XLA and by NumPy's BLAS")
    parser.add_argument("--baseline", action="store_true",
                        help="also time mnistgen without XLA, one mini-batch per call (before the speed work)")
    parser.add_argument("--results", default=None, metavar="FILE",
                        help="also write the table, machine, command and date to this JSON file "
                             "(benchmarks/measured/speed.json is the docs' performance table)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch includes compilation)")

    print("$ " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0])] + (argv or sys.argv[1:])))
    from mnistgen import GANGenerator, VAEGenerator
    from mnistgen._backend import get_tensorflow
    from mnistgen.datasets import load_mnist

    tf = get_tensorflow()
    print(f"machine: {machine()}; TensorFlow {tf.__version__}")
    (x_train, _), (x_test, _) = load_mnist(args.mnist)
    n = len(x_train)
    mnist = args.mnist if args.skip_references else mnist_file(args.mnist)

    # The rate is measured at the start and again right after each model's
    # mnistgen epochs: one 3-second measurement (TensorFlow's kernel, before
    # the three libraries were timed) moved by up to 8 % between runs whose
    # training epochs agreed within 1 %. The median is used.
    rates_by_library = [matmul_rate()]

    specs = {
        "vae": (VAEGenerator, vae_flops(), "ref_vae_torch.py", "ref_vae_keras.py", 100),
        "gan": (GANGenerator, gan_flops(), "ref_gan_torch.py", "ref_gan_keras.py", 64),
    }
    rows, quality, fitted = [], [], {}
    epoch_seconds = {}  # mnistgen's s/epoch per model
    extra = {}  # label: {column: value} beyond the main table's, for --results
    for name in args.models:
        cls, fl, torch_script, keras_script, batch = specs[name]
        times, est = ours(cls, x_train, args.epochs)
        rates_by_library.append(matmul_rate())
        fitted[name] = est
        t_ours = epoch_seconds[name] = median_after_first(times)
        last = {k: round(v[-1], 3) for k, v in est.history_.items()}
        quality.append((f"{name.upper()} mnistgen", f"{last}"))
        if name == "vae":
            elbo = -est.score(x_test)
            extra.setdefault(quality[-1][0], {})["neg. ELBO (nats)"] = elbo
            quality[-1] = (quality[-1][0], quality[-1][1] + f"; test neg. ELBO {elbo:.2f} nats")
        impl_rows = [(f"{name.upper()} mnistgen", t_ours)]
        if args.baseline:
            b_times, b_est = ours(cls, x_train, args.epochs, baseline=True)
            label = f"{name.upper()} mnistgen before (no XLA, 1 batch/call)"
            impl_rows.append((label, median_after_first(b_times)))
            b_last = {k: round(v[-1], 3) for k, v in b_est.history_.items()}
            if name == "vae":
                elbo = -b_est.score(x_test)
                extra.setdefault(label, {})["neg. ELBO (nats)"] = elbo
                b_last = f"{b_last}; test neg. ELBO {elbo:.2f} nats"
            quality.append((label, f"{b_last}"))
        if not args.skip_references:
            refs = [("plain Keras", sys.executable, keras_script, None)]
            if args.torch_python:
                env = {"OUT_NPZ": f"/tmp/bench_speed_{name}.npz"} if name == "vae" else None
                refs.append(("PyTorch (report)", args.torch_python, torch_script, env))
            for label, python, script, env in refs:
                r_times, last_line, out = reference(script, args.epochs, python, mnist, env)
                impl_rows.append((f"{name.upper()} {label}", median_after_first(r_times)))
                elbo = re.search(r"test_neg_elbo ([\d.]+)", out)
                if elbo:
                    extra.setdefault(f"{name.upper()} {label}", {})["neg. ELBO (nats)"] = float(elbo.group(1))
                quality.append((f"{name.upper()} {label}", last_line.split("s ", 1)[1]
                                + (f"; test neg. ELBO {elbo.group(1)} nats" if elbo else "")))
        for label, t in impl_rows:
            gflops = fl * n / 1e9
            rows.append((label, batch, t, n / t, gflops, gflops / t, t_ours / t))
        if args.torch_python is None and not args.skip_references:
            rows.append((f"{name.upper()} PyTorch (report)", batch, None, None, None, None, None))

    rates = [max(r.values()) for r in rates_by_library]
    rate = statistics.median(rates)
    print(f"float32 matmul rate (2048x2048), the fastest of {', '.join(LIBRARIES)}, measured "
          f"{len(rates)} times in this run: " + ", ".join(f"{r:.1f}" for r in rates)
          + f" GFLOP/s; the median, {rate:.1f}, is used")
    for lib in LIBRARIES:
        print(f"  {lib}: " + ", ".join(f"{r[lib]:.1f}" for r in rates_by_library) + " GFLOP/s")
    print()
    header = ("implementation", "batch", "s/epoch", "images/s", "GFLOP/epoch", "GFLOP/s",
              "of matmul rate", "mnistgen time / this")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, batch, t, ips, gfl, gfs, ratio in rows:
        if t is None:
            print(f"| {label} | {batch} | not run (no --torch-python) | | | | | |")
            continue
        print(f"| {label} | {batch} | {t:.2f} | {ips:,.0f} | {gfl:.0f} | {gfs:.1f} | {gfs / rate:.0%} "
              f"| {ratio:.2f}x |")

    if args.floor:
        print("\nThe floor: one epoch of each step's matrix multiplies alone, at the models' "
              "shapes, in one XLA loop, and one epoch of the Adam updates alone (best of 3 each):\n")
        print("| model | batch | matmul-only s/epoch | GFLOP/s | of matmul rate | mnistgen GFLOP/s / floor "
              "| Adam-only s/epoch | matmuls + Adam s/epoch | mnistgen s/epoch |")
        print("|---|---|---|---|---|---|---|---|---|")
        import keras

        for name in args.models:
            batch = specs[name][4]
            steps = -(-n // batch)
            floor, secs = matmul_floor(tf, step_matmuls(name, batch), steps)
            est = fitted[name]
            shapes = [tuple(v.shape) for v in est._trainer.trainable_variables]
            # the VAE's one optimizer, or the GAN's generator optimizer (its
            # discriminator's has the same settings)
            adam = optimizer_floor(tf, keras, shapes, steps,
                                   getattr(est, "optimizer_", None) or est.g_optimizer_)
            t_epoch = epoch_seconds[name]
            ours_gfs = specs[name][1] * n / t_epoch / 1e9
            print(f"| {name.upper()} | {batch} | {secs:.2f} | {floor:.1f} | {floor / rate:.0%} "
                  f"| {ours_gfs / floor:.0%} | {adam:.2f} | {secs + adam:.2f} | {t_epoch:.2f} |")

    if args.shapes:
        print("\nEach matrix multiply of a training step alone, at its shape (f: forward, "
              "x: input gradient, w: weight gradient), best of 3 loops of 300:\n")
        print("| model | rows x in x out | kind | XLA us | XLA GFLOP/s | of matmul rate "
              "| NumPy (BLAS) GFLOP/s |")
        print("|---|---|---|---|---|---|---|")
        totals = {}
        for name in args.models:
            batch = specs[name][4]
            flops = xla_s = best_s = 0.0
            for r, i, o, kind, secs, xla, blas in shape_rates(tf, step_matmuls(name, batch)):
                print(f"| {name.upper()} | {r} x {i} x {o} | {kind} | {secs * 1e6:.1f} | {xla:.1f} "
                      f"| {xla / rate:.0%} | {blas:.1f} |")
                flops += 2 * r * i * o
                xla_s += secs
                best_s += secs * xla / max(xla, blas)
            totals[name] = flops / xla_s / 1e9, flops / best_s / 1e9
        for name, (xla, best) in totals.items():
            print(f"\n{name.upper()}: all of a step's products one after the other, {xla:.1f} GFLOP/s "
                  f"({xla / rate:.0%} of the matmul rate) by XLA; {best:.1f} GFLOP/s ({best / rate:.0%}) "
                  "with each product at the faster of the two libraries.")

    print("\n| call | seconds (median of 5, after the first) |\n|---|---|")
    for name, est in fitted.items():
        calls = [("sample", lambda: est.sample(N_SAMPLES))]
        if name == "vae":
            calls.append(("transform", lambda: est.transform(x_test[:N_SAMPLES])))
        for call, fn in calls:
            seconds = timed(fn)
            extra.setdefault(f"{name.upper()} mnistgen", {})[f"{call}(10_000) s"] = seconds
            print(f"| {name.upper()} {call}(10_000) | {seconds:.3f} |")
    # One more epoch through partial_fit (after the table's losses were
    # taken): what a call costs beyond an epoch inside fit.
    print("\n| call | seconds (median of 3, after the first) | s/epoch inside fit |\n|---|---|---|")
    for name, est in fitted.items():
        est.set_params(callbacks=None, verbose=0)
        seconds = timed(lambda: est.partial_fit(x_train), repeats=3)
        extra.setdefault(f"{name.upper()} mnistgen", {})["partial_fit s"] = seconds
        print(f"| {name.upper()} partial_fit({n:,} images) | {seconds:.2f} | {epoch_seconds[name]:.2f} |")

    print(f"\nLast-epoch losses after {args.epochs} epochs (same data, random_state 0 for mnistgen):")
    for label, text in quality:
        print(f"- {label}: {text}")

    if args.results:
        table = []
        for label, batch, t, ips, gfl, gfs, ratio in rows:
            if t is None:  # a recipe that did not run has no row
                continue
            figures = {"s/epoch": t, "images/s": ips, "GFLOP/s": gfs, "of matmul rate": gfs / rate,
                       "mnistgen time / this": ratio, **extra.get(label, {})}
            table.append((f"{label}, batch {batch}", 1, {c: (float(figures[c]), None) for c in COLUMNS
                                                         if c in figures}))
        table.append(("float32 matrix multiply, 2048x2048 (the machine's rate)", 1,
                      {"GFLOP/s": (rate, None)}))
        caption = (f"{n:,} training images, {args.epochs} epochs per row, random_state 0 for "
                   f"mnistgen. s/epoch is the median of epochs 2 to {args.epochs}; sample, transform "
                   f"and partial_fit times are medians of repeated calls after a first; the "
                   f"machine's rate is the median of {len(rates)} measurements in the run, each the "
                   f"fastest of {', '.join(LIBRARIES)}.")
        write_results(args.results, COLUMNS, FORMATS, table, n_train=n, n_samples=N_SAMPLES,
                      seeds=[0], epochs=args.epochs, caption=caption)


if __name__ == "__main__":
    main()
