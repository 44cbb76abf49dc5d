"""Class labels of conditional models: learned at fit, asked for afterwards.

A conditional estimator learns ``classes_`` (the sorted distinct training
labels) and ``class_prior_`` (their shares) on its first fit; its networks
see each label as a one-hot row. These functions turn user labels into
those rows, with a clear error for anything else. Plain NumPy.
"""
import numpy as np

from ._validation import check_labels, labels_to_indices, one_hot

__all__ = ["n_classes", "fit_classes", "given_labels", "one_hot_labels", "sample_labels", "training_labels"]


def n_classes(estimator):
    """Classes of a fitted conditional estimator, 0 for an unconditional one.

    Follows the fitted state (``classes_``), not the ``conditional``
    parameter, which ``set_params`` may have changed since.
    """
    return len(estimator.__dict__.get("classes_", ()))


def fit_classes(y, n_samples):
    """Learn the classes of training labels ``y``.

    Returns ``(classes, class_prior, onehot)``: the sorted distinct labels,
    their shares, and the one-hot row of each label.
    """
    labels = check_labels(y, n_samples)
    classes, indices = np.unique(labels, return_inverse=True)
    counts = np.bincount(indices, minlength=len(classes))
    return classes, counts / counts.sum(), one_hot(indices, len(classes))


def one_hot_labels(y, n_samples, classes):
    """One-hot rows of labels ``y``, each one of the known ``classes``."""
    return one_hot(labels_to_indices(check_labels(y, n_samples), classes), len(classes))


def given_labels(estimator, y, n_samples, required_by):
    """One-hot rows of the labels passed to a method of a fitted estimator.

    Returns None for an unconditional estimator (which ignores ``y``); a
    conditional one needs them and says so.
    """
    classes = estimator.__dict__.get("classes_")
    if classes is None:
        return None
    if y is None:
        raise ValueError(
            f"{required_by} of a conditional {type(estimator).__name__} needs the "
            "class label of each row: pass y (one of classes_ = "
            f"{classes.tolist()} per row)."
        )
    return one_hot_labels(y, n_samples, classes)


def sample_labels(estimator, y, n_samples, rng):
    """One-hot labels of the images to sample, or None if unconditional.

    ``y=None`` draws the classes in the training proportions, from ``rng``.
    """
    classes = estimator.__dict__.get("classes_")
    if classes is None:
        if y is not None:
            raise ValueError(
                f"y was given, but this {type(estimator).__name__} is not "
                "conditional (it was fitted with conditional=False): it "
                "cannot generate a chosen class. Fit it with "
                "conditional=True and labels."
            )
        return None
    if y is None:
        return one_hot(rng.choice(len(classes), size=n_samples, p=estimator.class_prior_),
                       len(classes))
    return one_hot_labels(y, n_samples, classes)


def training_labels(estimator, y, n_samples, resume):
    """One-hot training labels of ``estimator`` (None if unconditional).

    A fresh fit of a conditional estimator learns ``classes_`` and
    ``class_prior_`` (an unconditional one drops them); a resumed fit takes
    only the labels it knows, and cannot change ``conditional``.
    """
    if resume and hasattr(estimator, "classes_") != bool(estimator.conditional):
        raise ValueError(
            "conditional was changed after fitting; a warm-started fit or "
            "partial_fit cannot turn a fitted model conditional or "
            "unconditional. Fit a fresh estimator (warm_start=False)."
        )
    if not estimator.conditional:
        if not resume:
            for name in ("classes_", "class_prior_"):
                estimator.__dict__.pop(name, None)
        return None
    if resume:
        return one_hot_labels(y, n_samples, estimator.classes_)
    estimator.classes_, estimator.class_prior_, labels = fit_classes(y, n_samples)
    return labels
