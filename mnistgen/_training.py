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
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = [
    "make_dataset",
    "VAETrainer",
    "GANTrainer",
    "vae_terms",
    "split_labels",
    "COMPILE_OPTIONS",
    "STEPS_PER_CALL",
]

#: How trainers are compiled: each ``train_step`` is one XLA-compiled function.
COMPILE_OPTIONS = {"jit_compile": True}

#: Mini-batches trained per call of the compiled function (one Keras "step").
STEPS_PER_CALL = 50


def make_dataset(X, batch_size, seed, steps_per_call=None):
    """Shuffled groups of mini-batches of ``X``, reshuffled every epoch.

    Each epoch draws one seeded permutation of the rows and cuts it into
    mini-batches of ``batch_size`` (the last one smaller if ``batch_size``
    does not divide the number of rows), exactly as ``shuffle().batch()``
    would. Consecutive full mini-batches are stacked into groups of up to
    ``steps_per_call`` (default :data:`STEPS_PER_CALL`); the last, smaller
    mini-batch comes alone.

    Returns
    -------
    dataset : tf.data.Dataset
        Elements of shape ``(steps, rows, n_features)``, float32. The data
        stays one tensor; only row indices are shuffled and each group is
        gathered in the graph.
    """
    steps_per_call = steps_per_call or STEPS_PER_CALL
    n = X.shape[0]
    n_full, rest = divmod(n, batch_size)
    data = tf.constant(X)

    def split(perm):
        full = tf.reshape(perm[: n_full * batch_size], (n_full, batch_size))
        groups = tf.data.Dataset.from_tensor_slices(full).batch(steps_per_call)
        if rest:
            tail = tf.data.Dataset.from_tensors(tf.reshape(perm[n_full * batch_size :], (1, rest)))
            groups = tail if n_full == 0 else groups.concatenate(tail)
        return groups

    n_groups = -(-n_full // steps_per_call) + (1 if rest else 0)
    return (
        tf.data.Dataset.range(n)
        .shuffle(n, seed=seed, reshuffle_each_iteration=True)
        .batch(n)
        .flat_map(split)
        .apply(tf.data.experimental.assert_cardinality(n_groups))
        .map(lambda idx: tf.gather(data, idx))
        .prefetch(2)
    )


def split_labels(data, n_classes):
    """Split training rows into ``(images, one-hot labels)``.

    Conditional estimators append the one-hot labels to each flat image row
    (see ``BaseGenerator._training_rows``); unconditional rows are returned
    as ``(data, None)``.
    """
    if not n_classes:
        return data, None
    return data[:, :-n_classes], data[:, -n_classes:]


def _call(model, x, labels, training):
    """Run ``model`` on ``x``, with the labels as second input if given."""
    if labels is None:
        return model(x, training=training)
    return model([ops.convert_to_tensor(x), ops.convert_to_tensor(labels)], training=training)


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


class _SeededTrainer(keras.Model):
    """A trainer model with its own seeded noise generator and metrics."""

    def __init__(self, metric_names, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.noise = keras.random.SeedGenerator(seed)
        self._trackers = [keras.metrics.Mean(name=name) for name in metric_names]

    @property
    def metrics(self):
        return self._trackers

    def reseed(self, seed):
        """Restart the noise stream from ``seed``."""
        self.noise.state.assign(ops.convert_to_tensor([seed, 0], dtype=self.noise.state.dtype))

    def train_step(self, batches):
        """Train on each mini-batch of ``batches`` (steps, rows, features) in turn."""
        if len(batches.shape) == 2:  # a single mini-batch
            batches = batches[None]

        def body(i):
            self._report(*self.train_batch(batches[i]))
            return (i + 1,)

        tf.while_loop(lambda i: i < tf.shape(batches)[0], body, (tf.constant(0),))
        return {t.name: t.result() for t in self._trackers}

    def train_batch(self, x):  # pragma: no cover - abstract
        """One optimizer update on mini-batch ``x``; return the values to log."""
        raise NotImplementedError

    def _report(self, *values):
        for tracker, value in zip(self._trackers, values):
            tracker.update_state(value)


class VAETrainer(_SeededTrainer):
    """Trains an encoder/decoder pair on the negative ELBO (the report's loss).

    Loss per batch: mean over images of (BCE summed over pixels + beta * KL);
    ``beta=1`` is the report's loss. With ``n_classes > 0`` each row carries
    its one-hot label in its last ``n_classes`` columns.
    """

    def __init__(self, encoder, decoder, latent_dim, seed=0, beta=1.0, n_classes=0, **kwargs):
        super().__init__(["loss", "reconstruction_loss", "kl_loss"], seed, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = latent_dim
        self.beta = float(beta)
        self.n_classes = int(n_classes)

    def train_batch(self, data):
        x, labels = split_labels(data, self.n_classes)
        eps = keras.random.normal((ops.shape(x)[0], self.latent_dim), seed=self.noise)
        with tf.GradientTape() as tape:
            reconstruction, kl = vae_terms(
                x, self.encoder, self.decoder, eps, training=True, labels=labels
            )
            # beta == 1 adds the KL term as is: the report's computation, unchanged
            total = reconstruction + (kl if self.beta == 1.0 else self.beta * kl)
            loss = ops.mean(total)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return total, reconstruction, kl


class GANTrainer(_SeededTrainer):
    """Trains a generator/discriminator pair as the report's code does.

    Each step: one generator update with the non-saturating loss
    ``BCE(D(G(z)), 1)``, then one discriminator update with
    ``(BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2`` on the same generated batch.
    Real images arrive in [0, 1] and are scaled to [-1, 1] here. With
    ``n_classes > 0`` each row carries its one-hot label in its last
    ``n_classes`` columns; the generated batch gets the real batch's labels
    and both networks see them.
    """

    def __init__(self, generator, discriminator, latent_dim, g_optimizer, d_optimizer, seed=0,
                 n_classes=0, **kwargs):
        super().__init__(["d_loss", "g_loss", "d_real", "d_fake"], seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.n_classes = int(n_classes)

    def train_batch(self, data):
        real, labels = split_labels(data, self.n_classes)
        real = real * 2.0 - 1.0
        n = ops.shape(real)[0]
        z = keras.random.normal((n, self.latent_dim), seed=self.noise)
        ones = ops.ones((n, 1))
        zeros = ops.zeros((n, 1))
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            fake = _call(self.generator, z, labels, True)
            g_loss = ops.mean(ops.binary_crossentropy(ones, _call(self.discriminator, fake, labels, True)))
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        # One discriminator call on the real and generated batches together:
        # the same loss as two calls (equal halves, no batch norm in D), with
        # matrix multiplies twice as tall.
        both = ops.concatenate([real, ops.stop_gradient(fake)], axis=0)
        targets = ops.concatenate([ones, zeros], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        with tf.GradientTape() as tape:
            scores = _call(self.discriminator, both, both_labels, True)
            d_loss = ops.mean(ops.binary_crossentropy(targets, scores))
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        d_real, d_fake = scores[:n], scores[n:]
        return d_loss, g_loss, ops.mean(d_real), ops.mean(d_fake)


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
