"""What the benchmark scripts share: this checkout's mnistgen, timed training, results files.

Importing it puts the repository root first on ``sys.path``, so that a
benchmark times this checkout's mnistgen whichever copy is installed.
"""
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
#: The reference recipes: the report's models written the plain way (PyTorch, Keras).
BENCH = os.path.join(HERE, "reference")


def ours(cls, x, epochs, baseline=False, xla_conv=False, y=None, after_epoch=(), **params):
    """Train ``epochs`` epochs of ``cls(**params)``; return (per-epoch seconds, estimator).

    ``y``: the labels of a conditional model. ``after_epoch``: more Keras
    callbacks, run after each epoch's time is taken.

    ``baseline=True`` trains the same model the way mnistgen did before its
    speed work: one mini-batch per call of a graph function without XLA.
    ``xla_conv=True`` XLA-compiles a convolutional model too.
    """
    import keras

    from mnistgen._compilation import compile_options

    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    options = dict(jit_compile=False, steps_per_call=1) if baseline else {}
    with compile_options(conv_jit_compile=xla_conv, **options):
        est = cls(epochs=epochs, random_state=0, callbacks=[Timer(), *after_epoch],
                  **params).fit(x, y)
    return times, est


def epoch_scorer(name, ref, n_samples, seed, x_train=None, y_train=None, save=lambda rows: None):
    """A Keras callback that scores ``n_samples`` samples after every epoch.

    Each epoch appends to the callback's ``rows`` the recipe ``name``, the
    epoch, its training seconds and :func:`mnistgen.metrics.evaluate` of the
    samples (fixed noise, ``random_state=10_000 + seed``; a conditional model
    asked for the digits 0-9 in turn) against the reference features ``ref``;
    a VAE with a ``latent_sampler`` first refits it on ``x_train``. Then
    ``save(rows)`` is called, so that a stopped run keeps its finished
    epochs. ``eval_seconds`` is the time the scoring took (not training).
    """
    import keras
    import numpy as np

    from mnistgen import metrics

    class EpochScores(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rows, self.eval_seconds = [], 0.0

        def set_estimator(self, estimator):
            self.estimator = estimator

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            est = self.estimator
            if getattr(est, "latent_sampler", None) is not None:
                est.fit_latent_sampler(x_train, y_train)
            asked = np.arange(n_samples) % 10 if est.conditional else None
            row = metrics.evaluate(est.sample(n_samples, y=asked, random_state=10_000 + seed),
                                   ref, labels=asked)
            self.rows.append({"recipe": name, "seed": seed, "epoch": est.n_iter_,
                              "seconds": seconds, **row})
            print(f"{name} epoch {est.n_iter_}: {seconds:.1f} s, FD {row['FD']:.2f}, "
                  f"min share {row['min share']:.3f}, recall {row['recall']:.3f}", flush=True)
            save(self.rows)
            self.eval_seconds += time.perf_counter() - self.start - seconds

    return EpochScores()


def machine():
    """The processor (model name, family and model, widest vector unit) and core count."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            info = fh.read()
        cpu = re.search(r"^model name\s*:\s*(.+)$", info, re.M).group(1).strip()
        # a model name such as "AMD EPYC" covers several core generations
        family, model = (re.search(rf"^{key}\s*:\s*(\d+)$", info, re.M)
                         for key in ("cpu family", "model"))
        if family and model:
            cpu += f" (CPU family {family.group(1)}, model {model.group(1)})"
        flags = set(re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split())
        # the widest vector unit: what the matrix multiplies run on
        cpu += ", " + next((isa for flag, isa in (("avx512f", "AVX-512"), ("avx2", "AVX2"))
                            if flag in flags), "no AVX2")
    except (OSError, AttributeError):
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def write_results(path, columns, formats, table, **fields):
    """Write a benchmark's table as JSON, with the machine, command and date.

    The file is what ``--results`` writes and what the documentation's build
    turns into a table (``benchmarks/measured/NAME.json`` becomes
    ``docs/generated/NAME_table.rst``), so that each measured number is
    written once, by the benchmark that measured it.

    Parameters
    ----------
    path : str
        The JSON file; its folder is made if needed.
    columns : list of str
        The table's columns, in order.
    formats : list of str
        A ``str.format`` pattern per column (``"{:.2f}"``, ``"{:.0%}"``).
    table : iterable of (str, int, dict)
        One ``(model, runs, summary)`` per row: ``runs`` is how many runs
        the row summarises and ``summary`` maps a column to ``(value, sd)``.
        ``sd`` is the standard deviation over the runs, or None for one run,
        where ``value`` is that run's figure as the benchmark prints it (a
        median over epochs or calls for ``bench_speed.py``). Columns a row
        lacks are left out of it.
    **fields
        Further keys, written after ``machine``, ``command`` and ``date``:
        ``n_train``, ``n_samples`` and ``seeds`` (which the documentation's
        table caption states), ``dataset``, ``epochs``, or a ``caption``
        that replaces the documentation's default one.
    """
    rows = [{"model": name, "runs": runs,
             "columns": {c: {"mean": stat[0], "sd": stat[1]} for c, stat in summary.items()}}
            for name, runs, summary in table]
    write_json(path, **fields, columns=list(columns), formats=list(formats), rows=rows)
    print(f"wrote {path}")


def write_json(path, **fields):
    """Write ``fields`` to the JSON file ``path`` after the machine, command and date."""
    results = {
        "machine": machine(),
        "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.date.today().isoformat(),
        **fields,
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(results, fh, indent=1)


def mnist_file(path=None):
    """A Keras-format ``mnist.npz`` for the reference recipes and twins.

    They run in their own environment and do not import mnistgen, so they
    get a file: ``path``, else ``$MNISTGEN_MNIST_PATH`` where it is an
    ``.npz``, else a temporary copy of what
    :func:`mnistgen.datasets.load_mnist` reads (for example Keras's
    download, or a folder of idx files), with both splits and their labels.
    """
    path = path or os.environ.get("MNISTGEN_MNIST_PATH")
    if path and path.endswith(".npz"):
        return os.path.abspath(path)
    import numpy as np

    from mnistgen.datasets import load_mnist

    (x, y), (x_test, y_test) = load_mnist(path)
    path = os.path.join(tempfile.mkdtemp(), "mnist.npz")
    np.savez(path, x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    return path


def reference_command(script, epochs, python, mnist, extra_env=None, args=()):
    """``(command, environment, folder)`` that run a reference recipe (see :func:`reference`)."""
    # the recipes run in their own folder: hand them an absolute path (none:
    # they train on random data of MNIST's shape)
    env = dict(os.environ, **(extra_env or {}))
    if mnist:
        env["MNIST_NPZ"] = os.path.abspath(mnist)
    cmd = [python, os.path.join(BENCH, script), *map(str, args), str(epochs)]
    return cmd, env, BENCH if os.path.isdir(BENCH) else HERE


def reference(script, epochs, python, mnist, extra_env=None, args=()):
    """Run a reference recipe; return (per-epoch seconds, last line, all output).

    ``script`` is a file of ``benchmarks/reference`` or an absolute path
    (such as a twin in ``benchmarks/``); it runs as ``python script
    [args...] epochs`` on the MNIST file ``mnist`` (None: on random data of
    MNIST's shape) and prints ``epoch I SECONDS s ...`` lines.
    """
    cmd, env, cwd = reference_command(script, epochs, python, mnist, extra_env, args)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("epoch ")]
    times = [epoch_seconds(l) for l in lines]
    return times, lines[-1], done.stdout


def epoch_seconds(line):
    """The seconds of a recipe's ``epoch I SECONDS s ...`` line."""
    return float(re.match(r"epoch \d+ ([\d.]+)s", line).group(1))


def median_after_first(times):
    """Median of per-epoch seconds after the first (which includes compilation)."""
    return statistics.median(times[1:] if len(times) > 1 else times)


def timed(fn, repeats=5):
    """Median seconds of ``repeats`` calls of ``fn`` after a first, untimed one."""
    fn()  # first call: tracing and warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)
