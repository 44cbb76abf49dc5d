"""Peak memory of ``transform`` and ``sample`` on a million images (run by hand or by a test).

A fresh process fits a tiny VAE (``hidden_units=(8,)``, one epoch on 256
images), warms up both calls, then encodes 1,000,000 random 28x28 uint8
images (784 MB) and draws 1,000,000 samples, reading the process's peak
resident memory (``ru_maxrss``) before and after each call. Both calls work
in chunks, so ``transform`` should add about its 8 MB output, not a float
copy of the input (2,991 MB), and ``sample`` about its output. From the
repository root::

    python benchmarks/bench_memory.py --results benchmarks/measured/memory.json

``tests/test_reliability.py::test_million_images_in_bounded_memory`` runs
:func:`measure` and bounds what it returns.
"""
import argparse
import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = textwrap.dedent(
    """
    import resource, sys
    sys.path.insert(0, sys.argv[1])
    import _common  # noqa: F401  (this checkout's mnistgen first)
    import numpy as np
    from mnistgen import VAEGenerator

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n = 1_000_000
    X = np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    vae = VAEGenerator(hidden_units=(8,), epochs=1, random_state=0).fit(X[:256])
    vae.transform(X[:20000]); vae.sample(20000)           # warm up
    base = peak_mb()
    Z = vae.transform(X)
    after_transform = peak_mb()
    S = vae.sample(n)
    after_sample = peak_mb()
    assert Z.shape == (n, 2) and S.shape == (n, 28, 28) and S.dtype == np.float32
    print(base, after_transform - base, Z.nbytes / 2**20, after_sample - after_transform, S.nbytes / 2**20)
    """
)


def measure(timeout=600):
    """Run the million-image script in a fresh process.

    Returns
    -------
    dict
        ``base`` (peak MB after warm-up), ``transform_added`` and
        ``transform_output`` (MB), ``sample_added`` and ``sample_output`` (MB).
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", SCRIPT, HERE], capture_output=True, text=True,
                          env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    values = map(float, done.stdout.split()[-5:])
    keys = ["base", "transform_added", "transform_output", "sample_added", "sample_output"]
    return dict(zip(keys, values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=None,
                        help="also write the table, machine, command and date to this JSON file")
    args = parser.parse_args(argv)
    from _common import write_results

    m = measure()
    table = [("vae.transform(X), X of 1,000,000 uint8 images", 1,
              {"output (MB)": (m["transform_output"], None), "peak memory added (MB)": (m["transform_added"], None)}),
             ("vae.sample(1_000_000)", 1,
              {"output (MB)": (m["sample_output"], None), "peak memory added (MB)": (m["sample_added"], None)})]
    print("| call | output (MB) | peak memory added (MB) |\n|---|---|---|")
    for name, _, row in table:
        print(f"| {name} | {row['output (MB)'][0]:,.0f} | {row['peak memory added (MB)'][0]:,.0f} |")
    if args.results:
        write_results(args.results, ["output (MB)", "peak memory added (MB)"], ["{:,.0f}", "{:,.0f}"], table,
                      caption=f"Peak resident memory after warm-up: {m['base']:,.0f} MB.")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
