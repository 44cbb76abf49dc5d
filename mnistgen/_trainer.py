"""The trainer model both training steps share: groups of mini-batches, logs.

A trainer is a small ``keras.Model`` whose ``train_step`` trains the
estimator's networks; ``keras.Model.fit`` then provides the progress bar,
callbacks and per-epoch logs. Each element of the input pipeline
(:mod:`mnistgen._pipeline`) is one mini-batch or a group of them, and
:meth:`Trainer.train_step` runs one optimizer update per mini-batch in a loop
inside a single compiled function: the updates, their order and the batches
are exactly those of a plain one-batch-per-step loop; only the per-step
overhead of going back to Python goes away. Subclasses write
:meth:`Trainer.train_batch`, one update on one mini-batch, and name what it
returns in ``log_names`` (the keys of the estimator's ``history_``).
"""
from ._backend import get_keras, get_tensorflow
from ._distribute import multi_worker
from ._pipeline import split_rows

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["Trainer"]


class Trainer(keras.Model):
    """Trains on groups of mini-batches; logs the means of ``log_names``."""

    #: Names of the values :meth:`train_batch` returns, in order.
    log_names = ()

    def __init__(self, noise_dim, n_classes=0, **kwargs):
        super().__init__(**kwargs)
        #: Noise draws per row of the input pipeline.
        self.noise_dim = int(noise_dim)
        self.n_classes = int(n_classes)
        self._trackers = [keras.metrics.Mean(name=name) for name in self.log_names]
        # The networks arrive built; Keras checks this before training under
        # a distribution strategy (and would otherwise try to call the trainer).
        self.built = True

    @property
    def metrics(self):
        return self._trackers

    def train_step(self, data):
        """Train on one mini-batch, or on each mini-batch of a group in turn.

        ``data`` is one mini-batch (2-D, as under a distribution strategy,
        where Keras splits it across replicas) or a group of them with their
        count, ``(group, steps)``, whose first ``steps`` mini-batches are
        trained one after the other in a loop inside the compiled function.
        """
        if isinstance(data, (tuple, list)):
            group, steps = data

            def body(i):
                self._report(self._train_rows(group[i]))
                return (i + 1,)

            tf.while_loop(lambda i: i < steps, body, (tf.constant(0),))
        else:
            self._report(self._train_rows(data))
        logs = {t.name: t.result() for t in self._trackers}
        if multi_worker():
            # Keras averages logs across workers along axis 0, which a
            # scalar does not have: hand it one-element vectors.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def begin_epoch(self, epoch):
        """Set what follows the epoch ``epoch`` (counted over the whole
        training) before it starts; nothing by default."""

    def _train_rows(self, rows):
        return self.train_batch(*split_rows(rows, self.n_classes, self.noise_dim))

    def train_batch(self, x, labels, noise):  # pragma: no cover - abstract
        """One optimizer update on images ``x`` (with one-hot ``labels``, or
        None) and their ``noise``; return the values named in ``log_names``."""
        raise NotImplementedError

    def _report(self, values):
        for tracker, value in zip(self._trackers, values):
            tracker.update_state(value)
