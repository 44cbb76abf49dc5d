"""Keras callbacks that know about the estimator they train.

Importing this module imports Keras (and so TensorFlow).
"""
import os
import weakref

from ._backend import get_keras
from ._params import check_positive_int

keras = get_keras()

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(keras.callbacks.Callback):
    """Save the whole estimator every ``every_n_epochs`` epochs during ``fit``.

    Each save is an ordinary :meth:`~mnistgen.VAEGenerator.save` file (Keras
    networks, optimizer state, parameters, ``history_``), written atomically,
    so a crash during training or during the save itself leaves the previous
    checkpoint intact. Resume with :func:`mnistgen.load` and ``partial_fit``
    or ``fit`` with ``warm_start=True``.

    Pass it in the estimator's ``callbacks`` list; the estimator introduces
    itself to the callback (:meth:`set_estimator`) before training.

    Parameters
    ----------
    filepath : str or path-like
        Where to save. May contain ``{epoch}``, replaced by the number of
        epochs trained so far (``n_iter_``), to keep one file per checkpoint;
        without it each checkpoint replaces the last.
    every_n_epochs : int, default=1
        Save when the total number of epochs trained (``n_iter_``) is a
        multiple of this.

    Attributes
    ----------
    saved_ : list of str
        The paths written so far, in order.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from mnistgen import VAEGenerator, load
    >>> from mnistgen.callbacks import ModelCheckpoint
    >>> X = np.random.default_rng(0).random((64, 8, 8), dtype=np.float32)
    >>> path = os.path.join(tempfile.mkdtemp(), "vae-{epoch}.mnistgen")
    >>> checkpoint = ModelCheckpoint(path, every_n_epochs=2)
    >>> vae = VAEGenerator(epochs=4, random_state=0, callbacks=[checkpoint]).fit(X)
    >>> [os.path.basename(p) for p in checkpoint.saved_]
    ['vae-2.mnistgen', 'vae-4.mnistgen']
    >>> resumed = load(checkpoint.saved_[0])           # the model after epoch 2
    >>> resumed.n_iter_
    2
    >>> resumed.set_params(epochs=2, warm_start=True).fit(X).n_iter_
    4
    """

    def __init__(self, filepath, every_n_epochs=1):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.every_n_epochs = check_positive_int("every_n_epochs", every_n_epochs)
        self.saved_ = []
        self._estimator = None
        self._last = None

    def set_estimator(self, estimator):
        """Remember (weakly) the estimator to save; called by its ``fit``.

        Parameters
        ----------
        estimator : VAEGenerator or GANGenerator
            The estimator being trained.
        """
        self._estimator = weakref.ref(estimator)

    def on_epoch_end(self, epoch, logs=None):
        """Save the estimator if ``n_iter_`` is a new multiple of ``every_n_epochs``.

        Parameters
        ----------
        epoch : int
            Keras's epoch index within this call of ``fit`` (unused: the
            estimator's total ``n_iter_`` counts).
        logs : dict, default=None
            The epoch's logs (unused).
        """
        estimator = self._estimator() if self._estimator is not None else None
        if estimator is None:
            raise RuntimeError(
                "ModelCheckpoint only works in the callbacks of a mnistgen "
                "estimator, which introduces itself before training."
            )
        done = estimator.n_iter_
        if done == 0 or done == self._last or done % self.every_n_epochs:
            return  # nothing new completed (a diverged epoch), or not a multiple
        path = self.filepath.format(epoch=done)
        estimator.save(path)
        self._last = done
        self.saved_.append(path)

    def __deepcopy__(self, memo):
        # clone() deep-copies parameters: copy the settings, not the history
        # or the estimator reference.
        return type(self)(self.filepath, self.every_n_epochs)
