"""Running Keras ``fit`` for some epochs, with a guard on every epoch's end.

:func:`run_epochs` hands the input pipeline to the trainer's
``keras.Model.fit`` and reports how it ended. :class:`EpochGuard`, the first
callback, keeps the last good state: at the end of every epoch whose logs
are all finite it adds the validation score of an early-stopping monitor
(if any), passes them to ``on_epoch`` (the estimator records them in
``history_`` and ``n_iter_``) and copies the variables (weights, batch-norm
statistics, optimizer state). :func:`train` puts it all together for an
estimator. An epoch with a NaN or infinite log stops
training; after it, or after Ctrl-C, the last good state is put back.
"""
import contextlib
import dataclasses
import logging
import math
import warnings

from ._backend import get_keras
from ._schedules import epoch_rates
from ._state import restore, snapshot

keras = get_keras()

__all__ = ["EpochGuard", "EpochSchedules", "Outcome", "quiet_keras_retracing", "run_epochs",
           "train"]


@dataclasses.dataclass
class Outcome:
    """How :func:`run_epochs` ended: normally, interrupted or diverged.

    ``diverged`` is ``(log name, value)`` of the first non-finite log.
    """

    interrupted: bool = False
    diverged: tuple = None

    def report(self, n_iter, on_divergence):
        """Tell the user: warn of an interruption, raise or warn of a divergence.

        ``n_iter`` is the number of epochs completed (``n_iter_``), and
        ``on_divergence`` the estimator's parameter (``"raise"`` or
        ``"restore"``). Warnings point at the user's ``fit`` call.
        """
        if self.interrupted:
            warnings.warn(
                f"Training was interrupted (KeyboardInterrupt) during epoch "
                f"{n_iter + 1}. The estimator keeps the weights, optimizer "
                f"state and history_ of the {n_iter} epoch(s) completed; "
                "call partial_fit, or fit with warm_start=True, to continue.",
                UserWarning, stacklevel=6,
            )
        elif self.diverged is not None:
            key, value = self.diverged
            message = (
                f"Training diverged: the loss '{key}' was {value} in epoch "
                f"{n_iter + 1}. The weights and optimizer state were restored to the "
                f"end of epoch {n_iter}, the last with finite losses, and "
                "history_ stops there. Try a smaller learning_rate."
            )
            if on_divergence == "raise":
                raise FloatingPointError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=6)


class EpochGuard(keras.callbacks.Callback):
    """Record finished epochs and keep the last good state (see module docs)."""

    def __init__(self, variables, log_names, on_epoch, monitor=None):
        super().__init__()
        self.variables = list(variables)
        self.log_names = tuple(log_names)
        self.on_epoch = on_epoch
        self.monitor = monitor
        self.diverged = None
        self._good = None

    def on_train_begin(self, logs=None):
        self._good = snapshot(self.variables)

    def on_epoch_end(self, epoch, logs=None):
        values = {key: float(logs[key]) for key in self.log_names}
        bad = [(k, v) for k, v in values.items() if not math.isfinite(v)]
        if bad:
            self.diverged = bad[0]
            self.model.stop_training = True
            return
        if self.monitor is not None:
            # the score lands in the logs the later callbacks (progress bar) see
            logs[self.monitor.name], stop = self.monitor.update(self.variables)
            values[self.monitor.name] = logs[self.monitor.name]
            self.model.stop_training = self.model.stop_training or stop
        self.on_epoch(values)
        self._good = snapshot(self.variables)

    def restore(self):
        """Assign the last good values back to the variables."""
        restore(self.variables, self._good)


class EpochSchedules(keras.callbacks.Callback):
    """Set each epoch's schedules at its start: ``est``'s learning rates, then the trainer's.

    With ``learning_rate_schedule="constant"`` (the report's) the rates are
    the parameters' every epoch (:mod:`mnistgen._schedules`); setting them
    each call lets ``set_params`` change a rate between ``partial_fit`` calls.
    Then the trainer sets what else follows the epoch
    (:meth:`mnistgen._trainer.Trainer.begin_epoch`: the VAE's KL warm-up).
    """

    def __init__(self, est):
        super().__init__()
        self.est = est

    def on_epoch_begin(self, epoch, logs=None):
        for name, rate in epoch_rates(self.est, self.est.n_iter_).items():
            getattr(self.est, name).learning_rate = rate
        self.est._trainer.begin_epoch(self.est.n_iter_)


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
    not. Inside this context that one message, about Keras's
    ``TensorFlowTrainer``, is dropped from the ``tensorflow`` logger; every
    other message, and the same warning about the user's own functions,
    still shows.
    """
    logger = logging.getLogger("tensorflow")
    quiet = _KerasRetracingFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def train(est, X, labels, epochs, monitor=None):
    """Train estimator ``est`` ``epochs`` epochs on rows ``X``, extending its ``history_``.

    Builds the input pipeline (:mod:`mnistgen._pipeline`) with a fresh,
    reproducible pair of seeds for each call, so that the same
    ``random_state`` and data give the same run and successive calls
    (``partial_fit``, ``warm_start``) do not repeat one another's shuffles;
    runs the epochs under an :class:`EpochGuard` (with the early-stopping
    ``monitor`` of :mod:`mnistgen._early_stopping`, if any) and reports how
    they ended.
    """
    import numpy as np

    from ._compilation import current_compile_options
    from ._distribute import distributed, place
    from ._pipeline import make_dataset

    shuffle_seed, noise_seed = np.random.SeedSequence([est._seed, est.n_iter_]).generate_state(2)
    place(est)
    dataset, steps_per_epoch = make_dataset(
        X, est.batch_size, int(shuffle_seed) % (2**31 - 1), est._trainer.noise_dim, epochs=epochs,
        noise_seed=int(noise_seed) % (2**31 - 1), labels=labels, grouped=not distributed(),
        steps_per_call=current_compile_options().steps_per_call,
    )
    guard = EpochGuard(est._state_variables(), est._trainer.log_names, est._record_epoch, monitor)
    for callback in est.callbacks or []:
        if hasattr(callback, "set_estimator"):
            callback.set_estimator(est)
    outcome = run_epochs(est._trainer, dataset, steps_per_epoch, epochs, guard,
                         [EpochSchedules(est), *(est.callbacks or [])], est.verbose)
    if outcome.interrupted:
        est.__dict__.pop("_trainer", None)
    if monitor is not None:
        monitor.restore(guard.variables)
    outcome.report(est.n_iter_, est.on_divergence)


def run_epochs(trainer, dataset, steps_per_epoch, epochs, guard, callbacks=(), verbose=0):
    """Train ``epochs`` epochs of ``dataset``; restore the last good state if needed.

    Parameters
    ----------
    trainer : mnistgen._trainer.Trainer
        The compiled trainer.
    dataset : tf.data.Dataset
        All epochs, from :func:`mnistgen._pipeline.make_dataset`.
    steps_per_epoch, epochs : int
        Elements per epoch, and epochs.
    guard : EpochGuard
        The first callback; the user's ``callbacks`` follow it, so that they
        (checkpoints) see the estimator as of the finished epoch.
    callbacks : sequence of keras.callbacks.Callback, default=()
    verbose : int, default=0
        Keras's progress output.

    Returns
    -------
    outcome : Outcome
    """
    try:
        with quiet_keras_retracing():
            trainer.fit(
                dataset,
                epochs=epochs,
                steps_per_epoch=steps_per_epoch,
                verbose=int(verbose),
                shuffle=False,  # the pipeline shuffles, seeded
                callbacks=[guard, *callbacks],
            )
    except KeyboardInterrupt:
        guard.restore()
        return Outcome(interrupted=True)
    if guard.diverged is not None:
        guard.restore()
        return Outcome(diverged=guard.diverged)
    return Outcome()
