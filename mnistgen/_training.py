"""Keras training loops: the input pipeline and one ``train_step`` per model.

The estimators never loop over batches in Python: they hand a ``tf.data``
pipeline to ``keras.Model.fit`` of a small "trainer" model. Each element of
the pipeline is a *group* of up to :data:`STEPS_PER_CALL` mini-batches, and
the trainer's ``train_step`` runs one optimizer update per mini-batch in a
loop inside a single XLA-compiled function. The updates, their order and
the batches are exactly those of a plain one-batch-per-step loop; only the
per-step overhead of going back to Python goes away. Keras then provides the
progress bar (one tick per group), callbacks and per-epoch history.
"""
import contextlib
import logging

import numpy as np

from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = [
    "make_dataset",
    "infer",
    "VAETrainer",
    "GANTrainer",
    "vae_terms",
    "split_rows",
    "COMPILE_OPTIONS",
    "compile_options",
    "distributed",
    "current_strategy",
    "batch_mean",
    "STEPS_PER_CALL",
    "quiet_keras_retracing",
]

#: How trainers are compiled on one device: each ``train_step`` is one
#: XLA-compiled function.
COMPILE_OPTIONS = {"jit_compile": True}

#: Mini-batches trained per call of the compiled function (one Keras "step").
STEPS_PER_CALL = 50


def make_dataset(X, batch_size, seed, noise_dim, epochs=1, noise_seed=None, steps_per_call=None,
                 grouped=True):
    """Shuffled mini-batches of ``X`` with their noise, for ``epochs`` epochs.

    Epoch ``e`` draws the permutation of the rows seeded by ``(seed, e)``
    and cuts it into mini-batches of ``batch_size`` (the last one smaller
    if ``batch_size`` does not divide the number of rows). Each row comes
    with its own ``noise_dim`` standard-normal draws (the VAE's
    reparameterisation noise, the GAN's latent input), seeded by
    ``(noise_seed, e)`` and drawn per *position* in the epoch: the noise a
    row gets does not depend on how the batches are grouped or split across
    devices, so a distributed run computes what a single device does. All
    randomness is stateless, so the pipeline gives the same elements however
    often it is iterated (Keras reads one element ahead under a
    distribution strategy).

    With ``grouped=True`` consecutive full mini-batches are stacked into
    groups of up to ``steps_per_call`` (default :data:`STEPS_PER_CALL`) for
    one compiled call each; the last, smaller mini-batch comes alone. Every
    group of full mini-batches has the same shape: the last one, if
    shorter, is padded with zeros and comes with its count of real
    mini-batches, so that XLA compiles the step once for all of them
    instead of once more for the short group (3.4-3.6 s of the GAN's first
    epoch on a 2-core CPU: ``benchmarks/bench_startup.py``). With
    ``grouped=False`` every element is one mini-batch, as ``tf.distribute``
    needs to split it across replicas.

    Returns
    -------
    dataset : tf.data.Dataset
        All epochs, one after the other. With ``grouped=False`` elements are
        float32 tensors of shape ``(rows, n_features + noise_dim)``: each row
        of ``X`` with its noise appended (one tensor, not a tuple, because
        Keras cannot reduce a tuple of per-replica values under a
        multi-worker strategy; see :func:`split_rows`). With
        ``grouped=True`` elements are pairs ``(group, steps)``: ``group`` of
        shape ``(group size, rows, n_features + noise_dim)``, of which the
        first ``steps`` (an int32 scalar) are mini-batches to train on and
        the rest padding. The data stays one tensor; only row indices are
        shuffled and each element is gathered in the graph.
    steps_per_epoch : int
        Elements per epoch, for Keras ``fit(steps_per_epoch=...)``.
    """
    steps_per_call = steps_per_call or STEPS_PER_CALL
    n = X.shape[0]
    n_full, rest = divmod(n, batch_size)
    group_size = max(1, min(steps_per_call, n_full))
    data = tf.constant(X)
    noise_seed = seed if noise_seed is None else noise_seed

    def pad(idx, noise):
        """Pad a group to ``group_size`` mini-batches; count the real ones."""
        steps = tf.shape(idx)[0]
        extra = group_size - steps
        idx = tf.pad(idx, [[0, extra], [0, 0]])  # padding gathers row 0, unused
        noise = tf.pad(noise, [[0, extra], [0, 0], [0, 0]])
        return idx, noise, steps

    def epoch(e):
        perm = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), e]))
        noise = tf.random.stateless_normal(
            (n, noise_dim), seed=tf.stack([tf.constant(noise_seed, tf.int64), e]))
        cut = n_full * batch_size
        parts = tf.data.Dataset.from_tensor_slices((
            tf.reshape(perm[:cut], (n_full, batch_size)),
            tf.reshape(noise[:cut], (n_full, batch_size, noise_dim)),
        ))
        if grouped:
            parts = parts.batch(group_size).map(pad)
        if rest:
            last = (perm[cut:], noise[cut:])
            if grouped:
                last = (last[0][None], last[1][None], tf.constant(1))
            tail = tf.data.Dataset.from_tensors(last)
            parts = tail if n_full == 0 else parts.concatenate(tail)
        return parts

    def rows(idx, noise, *steps):
        """Gather the rows of ``idx`` and append their noise (``steps`` passes through)."""
        batch = tf.concat([tf.gather(data, idx), noise], axis=-1)
        return (batch, *steps) if steps else batch

    steps_per_epoch = (-(-n_full // group_size) if grouped else n_full) + (1 if rest else 0)
    dataset = (
        tf.data.Dataset.range(epochs)
        .flat_map(epoch)
        .apply(tf.data.experimental.assert_cardinality(epochs * steps_per_epoch))
        .map(rows)
        .prefetch(2)
    )
    # Every worker of a multi-worker run builds this same pipeline (same
    # seeds) and keeps its share of each global batch.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # Nothing here for tf.data to tune or rewrite (a fixed prefetch, one
    # sequential map), and both cost ``fit``/``partial_fit`` calls time: its
    # autotuning thread made 8 of 10 GAN calls on 19,200 images wait
    # 0.6-1.7 s at their end, for the thread to stop, and its graph rewrites
    # took 0.1-0.6 s at the start of every call, copying the training set
    # that the map function captures (docs/performance.rst).
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False
    return dataset.with_options(options), steps_per_epoch


def batch_mean(values):
    """Mean of per-row ``values`` over the global batch, on every replica.

    Returns ``(loss, mean)``: ``loss`` is this replica's share to
    differentiate (``tf.distribute`` sums the replicas' gradients), ``mean``
    the global mean to log. On one device both are ``mean(values)``. Under
    a distribution strategy ``loss`` is ``sum(values) / global rows``,
    which stays right when a batch does not split evenly (a replica may
    even get no rows).
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        mean = ops.mean(values)
        return mean, mean
    rows = ctx.all_reduce("SUM", ops.cast(ops.shape(values)[0], values.dtype))
    loss = ops.sum(values) / rows
    return loss, ctx.all_reduce("SUM", loss)


def distributed():
    """Whether training runs under a ``tf.distribute`` strategy's scope."""
    return tf.distribute.has_strategy()


def _multi_worker():
    """Whether the active strategy spans several worker processes.

    The test Keras applies before reducing logs across workers.
    """
    strategy = tf.distribute.get_strategy()
    in_multi_worker_mode = getattr(strategy.extended, "_in_multi_worker_mode", None)
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        in_multi_worker_mode and in_multi_worker_mode())


def current_strategy():
    """The strategy whose scope is active, or None outside any scope."""
    return tf.distribute.get_strategy() if distributed() else None


def compile_options(architecture="mlp"):
    """Keras ``compile`` options for a trainer built in the current scope.

    The report's MLPs on one device: :data:`COMPILE_OPTIONS` (XLA).
    Convolutional networks are not XLA-compiled: on a CPU, XLA's
    convolutions made an epoch of the convolutional VAE 24 times slower than
    TensorFlow's own (oneDNN) kernels (16.2 s against 0.67 s for 6,000
    images; ``benchmarks/bench_conv_xla.py``).
    Under a distribution strategy, Keras's own default for ``tf.distribute``:
    no XLA, because one XLA cluster cannot span the replicas and their
    gradient all-reduce.
    """
    if distributed() or architecture != "mlp":
        return {"jit_compile": False}
    return dict(COMPILE_OPTIONS)


def split_rows(data, n_classes, noise_dim):
    """Split training rows into ``(images, one-hot labels, noise)``.

    A row is the flat image, then (conditional models) its one-hot label in
    ``n_classes`` columns (see ``BaseGenerator._training_rows``), then its
    ``noise_dim`` noise draws (see :func:`make_dataset`). ``labels`` is None
    for an unconditional model.
    """
    noise = data[:, -noise_dim:]
    data = data[:, :-noise_dim]
    if not n_classes:
        return data, None, noise
    return data[:, :-n_classes], data[:, -n_classes:], noise


def _call(model, x, labels, training):
    """Run ``model`` on ``x``, with the labels as second input if given."""
    if labels is None:
        return model(x, training=training)
    return model([ops.convert_to_tensor(x), ops.convert_to_tensor(labels)], training=training)


def infer(model, x, labels=None):
    """``model``'s output in inference mode, as a NumPy array.

    Runs through one compiled TensorFlow function per model (made on first
    use and kept on the model, so a rebuilt network gets its own), which
    saves about a quarter of the time of calling the layers one by one for
    the 10,000-row batches of ``sample`` and ``transform``. Not XLA: these
    are single large batches, where TensorFlow's own (oneDNN) kernels are
    as fast, without a compilation per batch size.

    The function is traced once, for any number of rows, and called as a
    concrete function: that neither retraces for a new batch size nor
    counts towards TensorFlow's warning about frequent retracing, which a
    ``tf.function`` per network set off once a process had fitted and
    sampled five estimators (the warning counts all functions made from
    the same source line as one).
    """
    fn = model.__dict__.get("_mnistgen_infer")
    if fn is None:
        specs = [tf.TensorSpec((None,) + tuple(t.shape[1:]), t.dtype) for t in model.inputs]
        fn = tf.function(lambda x, labels=None: _call(model, x, labels, False),
                         autograph=False).get_concrete_function(*specs)
        model.__dict__["_mnistgen_infer"] = fn
    inputs = [x] if labels is None else [x, labels]
    out = fn(*(tf.convert_to_tensor(a, dtype=spec.dtype)
               for a, spec in zip(inputs, fn.structured_input_signature[0])))
    return tuple(np.asarray(o) for o in out) if isinstance(out, (list, tuple)) else np.asarray(out)


class _KerasRetracingFilter(logging.Filter):
    """Drop TensorFlow's retracing warning about Keras's training function."""

    def filter(self, record):
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and "TensorFlowTrainer" in message)


@contextlib.contextmanager
def quiet_keras_retracing():
    """Silence one false alarm of TensorFlow's while Keras trains.

    Keras makes a new ``tf.function`` for the training step of every model,
    and TensorFlow counts the functions made from one source line together:
    once a process has fitted five estimators (a grid search, a loop over
    seeds) it warns at every new one that "5 out of the last 5 calls ...
    triggered tf.function retracing" and advises defining the function
    outside the loop, which a user of the estimators cannot do and need
    not: each estimator traces its own step once per input shape. Inside
    this context that one message, about Keras's ``TensorFlowTrainer``, is
    dropped from the ``tensorflow`` logger; every other message, and the
    same warning about the user's own functions, still shows.
    """
    logger = logging.getLogger("tensorflow")
    quiet = _KerasRetracingFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def vae_terms(x, encoder, decoder, eps, training=False, labels=None):
    """Per-image VAE loss terms for noise ``eps``.

    Returns ``(reconstruction, kl)``: binary cross-entropy summed over
    pixels, and KL(q(z|x) || N(0, I)), each of shape ``(batch,)``, in nats.
    For a conditional VAE, ``labels`` (one-hot) go to both networks.
    """
    z_mean, z_log_var = _call(encoder, x, labels, training)
    z = z_mean + ops.exp(0.5 * z_log_var) * eps
    recon = _call(decoder, z, labels, training)
    reconstruction = ops.sum(ops.binary_crossentropy(x, recon), axis=-1)
    kl = -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
    return reconstruction, kl


class _Trainer(keras.Model):
    """A trainer model: per-batch ``train_batch`` plus its logged metrics."""

    def __init__(self, metric_names, latent_dim, n_classes=0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.n_classes = int(n_classes)
        self._trackers = [keras.metrics.Mean(name=name) for name in metric_names]
        # The networks arrive built; Keras checks this before training under
        # a distribution strategy (and would otherwise try to call the trainer).
        self.built = True

    @property
    def metrics(self):
        return self._trackers

    def train_step(self, data):
        """Train on one mini-batch, or on each mini-batch of a group in turn.

        ``data`` comes from :func:`make_dataset`: one mini-batch (2-D, as
        under a distribution strategy, where Keras splits it across
        replicas) or a group of them with their count, ``(group, steps)``,
        whose first ``steps`` mini-batches are trained one after the other
        in a loop inside the compiled function.
        """
        if isinstance(data, (tuple, list)):
            group, steps = data

            def body(i):
                self._report(*self.train_batch(*self._split(group[i])))
                return (i + 1,)

            tf.while_loop(lambda i: i < steps, body, (tf.constant(0),))
        else:
            self._report(*self.train_batch(*self._split(data)))
        logs = {t.name: t.result() for t in self._trackers}
        if _multi_worker():
            # Keras averages logs across workers along axis 0, which a
            # scalar does not have: hand it one-element vectors.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _split(self, data):
        return split_rows(data, self.n_classes, self.latent_dim)

    def train_batch(self, x, labels, noise):  # pragma: no cover - abstract
        """One optimizer update on a mini-batch of images ``x`` (with their
        one-hot ``labels``, or None) and their ``noise``; return the values
        to log."""
        raise NotImplementedError

    def _report(self, *values):
        for tracker, value in zip(self._trackers, values):
            tracker.update_state(value)


class VAETrainer(_Trainer):
    """Trains an encoder/decoder pair on the negative ELBO (the report's loss).

    Loss per batch: mean over images of (BCE summed over pixels + beta * KL);
    ``beta=1`` is the report's loss. With ``n_classes > 0`` each row carries
    its one-hot label in its last ``n_classes`` columns.
    """

    def __init__(self, encoder, decoder, latent_dim, beta=1.0, n_classes=0, **kwargs):
        super().__init__(["loss", "reconstruction_loss", "kl_loss"], latent_dim, n_classes,
                         **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)

    def train_batch(self, x, labels, eps):
        with tf.GradientTape() as tape:
            reconstruction, kl = vae_terms(
                x, self.encoder, self.decoder, eps, training=True, labels=labels
            )
            # beta == 1 adds the KL term as is: the report's computation, unchanged
            total = reconstruction + (kl if self.beta == 1.0 else self.beta * kl)
            loss, _ = batch_mean(total)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return total, reconstruction, kl


class GANTrainer(_Trainer):
    """Trains a generator/discriminator pair as the report's code does.

    Each step: one generator update with the non-saturating loss
    ``BCE(D(G(z)), 1)``, then one discriminator update with
    ``(BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2`` on the same generated batch.
    Real images arrive in [0, 1] and are scaled to [-1, 1] here. With
    ``n_classes > 0`` each row carries its one-hot label in its last
    ``n_classes`` columns; the generated batch gets the real batch's labels
    and both networks see them.
    """

    def __init__(self, generator, discriminator, latent_dim, g_optimizer, d_optimizer,
                 n_classes=0, **kwargs):
        super().__init__(["d_loss", "g_loss", "d_real", "d_fake"], latent_dim, n_classes,
                         **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def train_batch(self, real, labels, z):
        real = real * 2.0 - 1.0
        n = ops.shape(real)[0]
        ones = ops.ones((n, 1))
        zeros = ops.zeros((n, 1))
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            fake = _call(self.generator, z, labels, True)
            g_loss, g_mean = batch_mean(
                ops.binary_crossentropy(ones, _call(self.discriminator, fake, labels, True))
            )
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        # One discriminator call on the real and generated batches together:
        # the same loss as two calls (equal halves, no batch norm in D), with
        # matrix multiplies twice as tall.
        both = ops.concatenate([real, ops.stop_gradient(fake)], axis=0)
        targets = ops.concatenate([ones, zeros], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        with tf.GradientTape() as tape:
            scores = _call(self.discriminator, both, both_labels, True)
            d_loss, d_mean = batch_mean(ops.binary_crossentropy(targets, scores))
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return d_mean, g_mean, scores[:n], scores[n:]


class EpochGuard(keras.callbacks.Callback):
    """Keep an estimator consistent with the epochs that training completed.

    At the end of every epoch whose logs are all finite, the guard appends
    them to the estimator's ``history_``, counts the epoch in ``n_iter_`` and
    copies ``variables`` (weights, batch-norm statistics, optimizer state)
    as the last good state. An epoch with a NaN or infinite log stops
    training and is recorded in :attr:`diverged`; :meth:`restore` puts the
    last good state back. Listed first among the callbacks, so that later
    callbacks (checkpoints) see the estimator as of the finished epoch.
    """

    def __init__(self, estimator, variables):
        super().__init__()
        self.estimator = estimator
        self.variables = list(variables)
        self.diverged = None
        self._good = None

    def on_train_begin(self, logs=None):
        self._good = [v.numpy() for v in self.variables]

    def on_epoch_end(self, epoch, logs=None):
        import math

        est = self.estimator
        values = {key: float(logs[key]) for key in est._history_keys}
        bad = [(k, v) for k, v in values.items() if not math.isfinite(v)]
        if bad:
            self.diverged = (est.n_iter_ + 1, bad[0][0], bad[0][1])
            self.model.stop_training = True
            return
        for key, value in values.items():
            est.history_[key].append(value)
        est.n_iter_ += 1
        self._good = [v.numpy() for v in self.variables]

    def restore(self):
        """Assign the last good values back to the variables."""
        for var, value in zip(self.variables, self._good):
            var.assign(value)
