"""Keras training loops: the input pipeline and one ``train_step`` per model.

The estimators never loop over batches in Python: they hand a ``tf.data``
pipeline to ``keras.Model.fit`` of a small "trainer" model whose
``train_step`` runs one whole update in a compiled TensorFlow function. Keras
then provides the progress bar, callbacks and per-epoch history.
"""
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["make_dataset", "VAETrainer", "GANTrainer", "vae_terms", "split_labels", "COMPILE_OPTIONS"]

#: How trainers are compiled: each training step is one XLA-compiled function.
COMPILE_OPTIONS = {"jit_compile": True}


def make_dataset(X, batch_size, seed):
    """Shuffled batches of ``X`` (float32 rows), reshuffled every epoch.

    The data stays one tensor; only row indices are shuffled and each batch
    is gathered in the graph.
    """
    n = X.shape[0]
    data = tf.constant(X)
    return (
        tf.data.Dataset.range(n)
        .shuffle(n, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(lambda idx: tf.gather(data, idx), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
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

    def _report(self, *values):
        for tracker, value in zip(self._trackers, values):
            tracker.update_state(value)
        return {t.name: t.result() for t in self._trackers}


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

    def train_step(self, data):
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
        return self._report(total, reconstruction, kl)


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

    def train_step(self, data):
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
        return self._report(d_loss, g_loss, ops.mean(d_real), ops.mean(d_fake))
