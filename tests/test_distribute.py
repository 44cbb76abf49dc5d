"""Data-parallel training through ``tf.distribute`` (issue: scale).

TensorFlow fixes its devices when it starts, so the jobs run in
subprocesses (``tests/distributed_job.py``): one splits the CPU into two
logical devices for a ``MirroredStrategy``; two others form a two-worker
``MultiWorkerMirroredStrategy`` cluster on localhost ports.
"""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

JOB = os.path.join(os.path.dirname(__file__), "distributed_job.py")


def _env(**extra):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **extra)
    # the workers import mnistgen from this checkout, installed or not
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _run(args, out, **extra):
    return subprocess.Popen([sys.executable, JOB, *args, str(out)], env=_env(**extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc, timeout=300):
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        pytest.fail("distributed job timed out:\n" + output[-4000:])
    assert proc.returncode == 0, output[-4000:]


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    out = tmp_path_factory.mktemp("mirrored")
    _finish(_run(["mirrored"], out))
    with open(out / "result.json") as f:
        result = json.load(f)
    return result, np.load(out / "weights.npz")


MODELS = ["vae", "gan", "cvae", "sgan", "cwgan", "lazyr1"]


@pytest.mark.parametrize("name", MODELS)
def test_mirrored_training_runs_on_both_replicas(mirrored, name):
    result, _ = mirrored
    assert result["replicas_in_sync"] == 2
    calls = result[name + "_replica_calls"]
    assert sorted({c["replica"] for c in calls}) == [0, 1]
    assert all(c["replicas"] == 2 for c in calls)
    devices = {c["device"].upper().rsplit("CPU:", 1)[-1] for c in calls}
    assert devices == {"0", "1"}, calls
    assert [d.upper()[-5:] for d in result[name + "_variable_devices"]] == ["CPU:0", "CPU:1"]


@pytest.mark.parametrize("name", MODELS)
def test_mirrored_training_lowers_the_loss(mirrored, name):
    history = mirrored[0][name + "_history_scoped"]
    key = "loss" if "vae" in name else "d_loss"
    assert len(history[key]) == 3
    assert all(np.isfinite(v) for values in history.values() for v in values)
    if "vae" in name:
        assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("name", MODELS)
def test_mirrored_training_matches_one_device(mirrored, name):
    """Same seed: the same batches, noise and (all-reduced) gradients as on one device.

    Only the order of floating-point sums differs (two half-batches, no XLA),
    so the results agree to float32 precision, not bit for bit.
    """
    result, arrays = mirrored
    singles = sorted(k for k in arrays.files if k.startswith(name + "_single_"))
    assert singles
    for key in singles:
        np.testing.assert_allclose(arrays[key.replace("_single_", "_scoped_")], arrays[key],
                                   rtol=1e-4, atol=1e-4, err_msg=key)
    for key, values in result[name + "_history_single"].items():
        np.testing.assert_allclose(result[name + "_history_scoped"][key], values, rtol=1e-4,
                                   atol=1e-4, err_msg=key)


@pytest.mark.parametrize("name", MODELS)
def test_strategy_parameter_equals_strategy_scope(mirrored, name):
    assert mirrored[0][name + "_param_equals_scope"]


@pytest.mark.parametrize("name", MODELS)
def test_save_load_and_sample_after_distributed_training(mirrored, name):
    result, _ = mirrored
    assert result[name + "_sample_roundtrip"]
    assert result[name + "_sample_in_scope"]
    assert result[name + "_sample_shape"] == [6, 8, 8]
    low, high = result[name + "_sample_range"]
    assert 0.0 <= low <= high <= 1.0


def test_one_device_model_continues_under_a_strategy(mirrored):
    """partial_fit in a strategy's scope moves the fitted state there and goes on."""
    result, _ = mirrored
    assert result["resume_n_iter"] == 4
    assert result["resume_variable_devices"] == 2  # now mirrored on both devices
    # fit + partial_fit under the strategy = fit + partial_fit on one device
    assert result["resume_max_diff"] < 1e-4


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_worker_processes_train_together(tmp_path):
    """MultiWorkerMirroredStrategy: two local workers train one model."""
    from distributed_job import SMALL_VAE, images, weights

    from mnistgen import VAEGenerator

    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    procs = [
        _run(["worker"], tmp_path,
             TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
        for i in range(2)
    ]
    for proc in procs:
        _finish(proc)
    runs = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]
    assert [r["replicas"] for r in runs] == [2, 2]
    assert [r["n_iter"] for r in runs] == [3, 3]
    assert runs[0]["history"]["loss"][-1] < runs[0]["history"]["loss"][0]
    w0, w1 = (np.load(tmp_path / f"worker{i}.npz") for i in range(2))
    # the workers hold one model: identical weights
    for key in w0.files:
        np.testing.assert_array_equal(w0[key], w1[key])
    # ... which is the one-device model of the same seed, to float32 precision
    single = weights(VAEGenerator(**SMALL_VAE).fit(images()))
    for i, expected in enumerate(single):
        np.testing.assert_allclose(w0[f"arr_{i}"], expected, rtol=1e-4, atol=1e-4)


def test_bad_strategy_is_a_clear_error(images):
    from mnistgen import GANGenerator, VAEGenerator

    for cls in (VAEGenerator, GANGenerator):
        with pytest.raises(TypeError, match="distribute_strategy.*tf.distribute.Strategy"):
            cls(distribute_strategy="mirrored", epochs=1).fit(images)


def test_clone_shares_the_strategy():
    import tensorflow as tf
    from sklearn.base import clone

    from mnistgen import VAEGenerator

    strategy = tf.distribute.get_strategy()
    est = VAEGenerator(distribute_strategy=strategy, epochs=3)
    copy = clone(est)
    assert copy.distribute_strategy is strategy and copy.epochs == 3
