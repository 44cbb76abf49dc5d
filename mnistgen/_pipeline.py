"""The input pipeline: shuffled mini-batches with their labels and noise.

A training *row* is one flat image, then (conditional models) its one-hot
label, then its noise draws (the VAE's reparameterisation noise, the GAN's
latent input). :func:`make_dataset` packs rows and :func:`split_rows`
unpacks them inside the training step; nothing else knows the layout. The
rows of a mini-batch travel as one tensor, not a tuple, because Keras cannot
reduce a tuple of per-replica values under a multi-worker strategy.

Epoch ``e`` draws the permutation of the rows seeded by ``(seed, e)`` and
cuts it into mini-batches of ``batch_size`` (the last one smaller if
``batch_size`` does not divide the number of rows). Each row's noise is
seeded by ``(noise_seed, e)`` and drawn per *position* in the epoch, so it
does not depend on how the batches are grouped or split across devices: a
distributed run computes what a single device does. All randomness is
stateless, so the pipeline gives the same elements however often it is
iterated (Keras reads one element ahead under a distribution strategy).

On one device (``grouped=True``) consecutive full mini-batches are stacked
into groups of up to ``steps_per_call`` for one compiled call each, and the
last, smaller mini-batch comes alone. Every group of full mini-batches has
the same shape: a shorter last group is padded with zeros and carries its
count of real mini-batches, so that XLA compiles the step once for all of
them instead of once more for the short group (what that compilation
costs is measured by ``benchmarks/bench_startup.py``). Under
``tf.distribute`` (``grouped=False``) every element is one mini-batch, which
Keras splits across the replicas.
"""
import numpy as np

from ._backend import get_tensorflow

tf = get_tensorflow()

__all__ = ["make_dataset", "split_rows"]


def split_rows(data, n_classes, noise_dim):
    """Split training rows into ``(images, one-hot labels, noise)``.

    ``labels`` is None for an unconditional model (``n_classes`` 0).
    """
    noise = data[:, -noise_dim:]
    data = data[:, :-noise_dim]
    if not n_classes:
        return data, None, noise
    return data[:, :-n_classes], data[:, -n_classes:], noise


def _options():
    """Pipeline options: shard by data, and no tf.data tuning or rewrites.

    Every worker of a multi-worker run builds this same pipeline (same
    seeds) and keeps its share of each global batch. Nothing here is for
    tf.data to tune or rewrite (a fixed prefetch, one sequential map), and
    both cost ``fit``/``partial_fit`` calls time: its autotuning thread made
    most calls wait at their end, and its graph rewrites delayed the start
    of every call, copying the training set that the map function captures
    (measured in ``benchmarks/SPEED_NOTES.md``).
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False
    return options


def _epoch_batches(n, batch_size, seeds, noise_dim, group_size):
    """A function of the epoch ``e`` giving its (row indices, noise) batches."""
    seed, noise_seed = seeds
    n_full, rest = divmod(n, batch_size)

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
        if group_size:
            parts = parts.batch(group_size).map(pad)
        if rest:
            last = (perm[cut:], noise[cut:])
            if group_size:
                last = (last[0][None], last[1][None], tf.constant(1))
            tail = tf.data.Dataset.from_tensors(last)
            parts = tail if n_full == 0 else parts.concatenate(tail)
        return parts

    return epoch


def make_dataset(X, batch_size, seed, noise_dim, epochs=1, noise_seed=None, steps_per_call=50,
                 grouped=True, labels=None):
    """Shuffled mini-batches of ``X`` (and ``labels``) with their noise.

    Parameters
    ----------
    X : ndarray of shape (n, n_features), float32
        Flat training images.
    batch_size, seed, noise_dim, epochs : int
        Rows per mini-batch, shuffling seed, noise draws per row, epochs.
    noise_seed : int, default=None
        Seed of the noise (``seed`` if None).
    steps_per_call : int, default=50
        Largest group of mini-batches (``grouped=True``).
    grouped : bool, default=True
        Group mini-batches for one compiled call each (one device).
    labels : ndarray of shape (n, n_classes), default=None
        One-hot labels of a conditional model, packed after each image.

    Returns
    -------
    dataset : tf.data.Dataset
        All epochs, one after the other. With ``grouped=False`` elements are
        float32 rows ``(rows, n_features [+ n_classes] + noise_dim)``; with
        ``grouped=True`` pairs ``(group, steps)``: ``group`` stacks such
        mini-batches, of which the first ``steps`` are to train on and the
        rest padding. Only row indices are shuffled; rows are gathered in
        the graph.
    steps_per_epoch : int
        Elements per epoch, for Keras ``fit(steps_per_epoch=...)``.
    """
    if labels is not None:
        X = np.hstack([X, labels])
    n = X.shape[0]
    n_full, rest = divmod(n, batch_size)
    group_size = max(1, min(steps_per_call, n_full)) if grouped else 0
    seeds = (seed, seed if noise_seed is None else noise_seed)
    data = tf.constant(X)

    def rows(idx, noise, *steps):
        """Gather the rows of ``idx`` and append their noise (``steps`` passes through)."""
        batch = tf.concat([tf.gather(data, idx), noise], axis=-1)
        return (batch, *steps) if steps else batch

    steps_per_epoch = (-(-n_full // group_size) if grouped else n_full) + (1 if rest else 0)
    dataset = (
        tf.data.Dataset.range(epochs)
        .flat_map(_epoch_batches(n, batch_size, seeds, noise_dim, group_size))
        .apply(tf.data.experimental.assert_cardinality(epochs * steps_per_epoch))
        .map(rows)
        .prefetch(2)
    )
    return dataset.with_options(_options()), steps_per_epoch
