"""Validation during ``fit``: the held-out split, a score per epoch, early stopping.

With ``early_stopping=True`` an estimator's ``fit`` holds out
``validation_fraction`` of the images (:func:`split_validation`, stratified by
label for a conditional model), scores them at the end of every epoch (the
estimator's ``_validation_score``: the VAE's validation loss, the GAN's
Frechet distance between samples and the held-out images on the features of
:func:`feature_extractor`) and stops once the score has not improved by
``tol`` for ``n_iter_no_change`` epochs, as scikit-learn's
``MLPClassifier`` does. :class:`EarlyStopping` keeps the state of the best
epoch, which is put back when training ends (Keras's
``restore_best_weights``).
"""
import math

import numpy as np

from ._state import restore, snapshot

__all__ = ["EarlyStopping", "feature_extractor", "hold_out", "split_validation"]


def hold_out(estimator, X, labels):
    """Hold out an estimator's validation rows for this fit.

    Returns the training rows and labels and an :class:`EarlyStopping`
    monitor of the estimator's ``_validation_score`` on the held-out ones.
    """
    seed = int(np.random.SeedSequence([estimator._seed, estimator.n_iter_, 1]).generate_state(1)[0])
    X, labels, X_val, labels_val = split_validation(X, labels, estimator.validation_fraction, seed)
    name, score = estimator._validation_score(X, X_val, labels_val)
    estimator.history_.setdefault(name, [float("nan")] * estimator.n_iter_)
    return X, labels, EarlyStopping(name, score, estimator.n_iter_no_change, estimator.tol,
                                    estimator.n_iter_)


def split_validation(X, labels, fraction, seed):
    """Split rows (and one-hot labels) into training and validation parts.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n, k) or None
        One-hot labels of a conditional model; the split then keeps each
        class's share where every class has two images or more.
    fraction : float
        Share of the rows held out, in (0, 1).
    seed : int
        Seed of the split.

    Returns
    -------
    X_train, labels_train, X_val, labels_val : ndarray or None

    Raises
    ------
    ValueError
        If either part would be empty.
    """
    from sklearn.model_selection import train_test_split

    n_val = int(math.ceil(fraction * len(X)))
    if n_val < 2 or len(X) - n_val < 1:
        raise ValueError(
            f"early_stopping=True holds out validation_fraction={fraction} of the "
            f"{len(X)} images, which leaves {n_val} for validation and "
            f"{len(X) - n_val} for training; both need images (validation at least 2): "
            "pass more images or change validation_fraction."
        )
    index = np.arange(len(X))
    stratify = None
    if labels is not None:
        classes = labels.argmax(1)
        counts = np.bincount(classes)
        if counts[counts > 0].min() >= 2 and n_val >= (counts > 0).sum():
            stratify = classes
    train, val = train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)
    train.sort()
    val.sort()
    pick = (lambda rows: None) if labels is None else (lambda rows: labels[rows])
    return X[train], pick(train), X[val], pick(val)


def feature_extractor(spec, image_shape, X_train, seed):
    """A function from flat images in [0, 1] to features, for the Frechet distance.

    Parameters
    ----------
    spec : str or keras.Model
        ``"auto"`` (the shipped MNIST classifier for 28x28 greyscale images,
        else ``"pca"``), ``"mnist"`` or ``"fashion-mnist"`` (a shipped
        classifier's 128 penultimate features), ``"pca"`` (a PCA of up to
        64 components fitted on ``X_train``: needs no labels and fits any
        data) or a classifier of :func:`mnistgen.metrics.fit_classifier`.
    image_shape : tuple of int
        The estimator's ``image_shape_``.
    X_train : ndarray of shape (n, d)
        Training rows, for the PCA.
    seed : int
        Seed of the PCA's solver.

    Returns
    -------
    extract : callable
        ``extract(flat_images) -> ndarray of shape (n, n_features)``.
    """
    if isinstance(spec, str) and spec == "auto":
        spec = "mnist" if tuple(image_shape) == (28, 28) else "pca"
    if isinstance(spec, str) and spec == "pca":
        from sklearn.decomposition import PCA

        n_components = int(min(64, X_train.shape[1], len(X_train)))
        pca = PCA(n_components=n_components, random_state=seed).fit(X_train[:20000])
        return pca.transform
    from .metrics._classifier import check_classifier_images, classifier_outputs, load_classifier

    classifier = load_classifier(spec) if isinstance(spec, str) else spec
    check_classifier_images(np.zeros((1,) + tuple(image_shape), np.float32), "images",
                            classifier=classifier)
    shape = tuple(classifier.input_shape[1:])
    return lambda flat: classifier_outputs(flat.reshape((-1,) + shape), classifier)[1]


class EarlyStopping:
    """The validation score of each epoch, the best epoch's state, when to stop.

    Parameters
    ----------
    name : str
        Log name of the score (``"val_loss"``, ``"val_frechet_distance"``).
    score : callable
        ``score() -> float`` for the estimator as it is now (lower is better).
    n_iter_no_change : int
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float
        The least decrease of the score that counts as an improvement.
    epoch : int, default=0
        Epochs trained before (``n_iter_``), to number the best epoch.
    """

    def __init__(self, name, score, n_iter_no_change, tol, epoch=0):
        self.epoch = int(epoch)
        self.name = name
        self.score = score
        self.n_iter_no_change = int(n_iter_no_change)
        self.tol = float(tol)
        self.best = math.inf
        self.best_epoch = None
        self.best_state = None
        self._no_change = 0

    def update(self, variables):
        """Score the epoch that just ended; return ``(score, stop)``.

        The values of ``variables`` are kept whenever the score is the best so far.
        """
        self.epoch += 1
        value = float(self.score())
        if not value < self.best - self.tol:
            self._no_change += 1
        else:
            self._no_change = 0
        if value < self.best:
            self.best, self.best_epoch = value, self.epoch
            self.best_state = snapshot(variables)
        return value, self._no_change >= self.n_iter_no_change

    def restore(self, variables):
        """Put the best epoch's values back into ``variables``."""
        if self.best_state is not None:
            restore(variables, self.best_state)
