"""Training jobs that ``tests/test_distribute.py`` runs in subprocesses.

TensorFlow fixes its devices (and a multi-worker cluster) when it starts,
so each job runs in a fresh interpreter and leaves the rest of the test
suite on one device. Usage::

    python tests/distributed_job.py mirrored OUT_DIR
    python tests/distributed_job.py worker OUT_DIR   # with TF_CONFIG set

Each job writes ``result.json`` (and arrays in ``.npz`` files) to OUT_DIR.
"""
import json
import os
import sys

import numpy as np

SMALL_VAE = dict(hidden_units=(32,), latent_dim=2, epochs=3, batch_size=32, random_state=0)
SMALL_GAN = dict(generator_units=(16, 32), discriminator_units=(32,), latent_dim=8,
                 epochs=3, batch_size=32, random_state=0)


def images(n=200):
    """``n`` 8x8 uint8 images with structure (bright top-left block) to learn."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 60, (n, 8, 8)).astype(np.uint8)
    X[:, :4, :4] += 180
    return X


def weights(est):
    return [np.asarray(w) for name in est._network_attributes
            for w in getattr(est, name).get_weights()]


def record_replicas(calls):
    """Record, at trace time, which replica trained how many rows."""
    import tensorflow as tf

    from mnistgen._gan_trainer import GANTrainer
    from mnistgen._vae_trainer import VAETrainer

    for cls in (VAETrainer, GANTrainer):
        original = cls.train_batch

        def train_batch(self, x, labels, noise, _original=original):
            ctx = tf.distribute.get_replica_context()
            calls.append({
                "replica": int(tf.get_static_value(ctx.replica_id_in_sync_group)),
                "replicas": int(ctx.num_replicas_in_sync),
                "device": str(tf.identity(x).device),
            })
            return _original(self, x, labels, noise)

        cls.train_batch = train_batch


def mirrored(out):
    """Two logical CPUs: MirroredStrategy against one device."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from mnistgen import GANGenerator, VAEGenerator, load

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    X = images()
    y = np.arange(len(X)) % 3
    calls = []
    record_replicas(calls)
    result = {"replicas_in_sync": strategy.num_replicas_in_sync}
    arrays = {}
    for name, cls, params, labels in [
        ("vae", VAEGenerator, SMALL_VAE, None),
        ("gan", GANGenerator, SMALL_GAN, None),
        ("cvae", VAEGenerator, dict(SMALL_VAE, conditional=True), y),
        # the stable-GAN options: hinge loss, spectral norm, an averaged generator
        ("sgan", GANGenerator, dict(SMALL_GAN, loss="hinge", spectral_norm=True, ema=0.9), None),
        ("cwgan", GANGenerator, dict(SMALL_GAN, loss="wgan-gp", n_critic=2, ema=0.9,
                                     conditional=True), y),
        # a lazy penalty: its rows in a tf.cond, reduced outside it
        ("lazyr1", GANGenerator, dict(SMALL_GAN, loss="bce-r1", gp_interval=2), None),
    ]:
        single = cls(**params).fit(X, labels)
        calls.clear()
        with strategy.scope():
            scoped = cls(**params).fit(X, labels)
        result[name + "_replica_calls"] = list(calls)
        by_param = cls(distribute_strategy=strategy, **params).fit(X, labels)
        variable = getattr(scoped, scoped._network_attributes[0]).weights[0].value
        result[name + "_variable_devices"] = sorted(
            v.device for v in strategy.experimental_local_results(variable))
        result[name + "_history_single"] = single.history_
        result[name + "_history_scoped"] = scoped.history_
        result[name + "_param_equals_scope"] = all(
            np.array_equal(a, b) for a, b in zip(weights(scoped), weights(by_param)))
        for i, (a, b) in enumerate(zip(weights(single), weights(scoped))):
            arrays[f"{name}_single_{i}"] = a
            arrays[f"{name}_scoped_{i}"] = b
        # Save, load and sample after distributed training (outside the scope).
        path = os.path.join(out, name + ".mnistgen")
        scoped.save(path)
        again = load(path)
        kwargs = {} if labels is None else {"y": 1}
        drawn = scoped.sample(6, random_state=5, **kwargs)
        result[name + "_sample_roundtrip"] = bool(
            np.array_equal(drawn, again.sample(6, random_state=5, **kwargs)))
        result[name + "_sample_shape"] = list(drawn.shape)
        result[name + "_sample_range"] = [float(drawn.min()), float(drawn.max())]
        with strategy.scope():
            result[name + "_sample_in_scope"] = bool(
                np.array_equal(drawn, scoped.sample(6, random_state=5, **kwargs)))

    # A model fitted on one device continues under the strategy, keeping its state.
    est = VAEGenerator(**SMALL_VAE).fit(X)
    reference = VAEGenerator(**SMALL_VAE).fit(X).partial_fit(X)
    with strategy.scope():
        est.partial_fit(X)
    result["resume_variable_devices"] = len(strategy.experimental_local_results(
        est.encoder_.weights[0].value))
    result["resume_n_iter"] = est.n_iter_
    result["resume_max_diff"] = max(
        float(np.max(np.abs(a - b))) for a, b in zip(weights(est), weights(reference)))
    np.savez(os.path.join(out, "weights.npz"), **arrays)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f)


def worker(out):
    """One worker of a two-worker MultiWorkerMirroredStrategy cluster (TF_CONFIG)."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from mnistgen import VAEGenerator

    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    est = VAEGenerator(distribute_strategy=strategy, **SMALL_VAE).fit(images())
    np.savez(os.path.join(out, f"worker{task}.npz"), *weights(est))
    with open(os.path.join(out, f"worker{task}.json"), "w") as f:
        json.dump({"history": est.history_, "replicas": strategy.num_replicas_in_sync,
                   "n_iter": est.n_iter_}, f)


if __name__ == "__main__":
    {"mirrored": mirrored, "worker": worker}[sys.argv[1]](sys.argv[2])
