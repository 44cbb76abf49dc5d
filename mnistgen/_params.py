"""Declared parameter constraints, in scikit-learn's own vocabulary.

The estimators list their parameters' constraints in
``_parameter_constraints`` with scikit-learn's ``Interval``, ``StrOptions``
and ``Options`` (checked by ``@_fit_context`` before ``fit`` and the first
``partial_fit``, as scikit-learn's estimators are). The few constraints
scikit-learn has no word for are here: layer widths, Keras callbacks and a
``tf.distribute`` strategy (recognised without importing TensorFlow).
:func:`check_positive_int` is the one check of a positive integer argument
that the methods, the metrics, the callbacks and the command line share.
"""
import numbers
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions

from ._architectures import ARCHITECTURES
from ._precision import DTYPE_POLICIES
from ._schedules import LEARNING_RATE_SCHEDULES

__all__ = [
    "COMMON_CONSTRAINTS",
    "Widths",
    "check_positive_int",
    "widths",
]


class _Constraint(HasMethods):
    """A constraint scikit-learn has no word for.

    scikit-learn's validation takes only its own kinds of constraint
    objects, so these are kinds of ``HasMethods`` that say for themselves
    which values they accept (:meth:`is_satisfied_by`) and how (``str``).
    """

    def __init__(self):
        super().__init__([])


class Widths(_Constraint):
    """A non-empty tuple (or list) of positive ints, or one positive int;
    with ``allow_empty``, the empty tuple too."""

    def __init__(self, allow_empty=False):
        super().__init__()
        self.allow_empty = allow_empty

    def is_satisfied_by(self, val):
        if isinstance(val, Integral) and not isinstance(val, (bool, np.bool_)):
            return val >= 1
        if not isinstance(val, (tuple, list)) or not (val or self.allow_empty):
            return False
        return all(
            isinstance(u, Integral) and not isinstance(u, (bool, np.bool_)) and u >= 1
            for u in val
        )

    def __str__(self):
        return "a tuple of positive ints" if self.allow_empty else "a non-empty tuple of positive ints"


class _KerasCallbacks(_Constraint):
    """A list or tuple of objects with Keras's ``set_model`` (callbacks)."""

    def is_satisfied_by(self, val):
        return isinstance(val, (list, tuple)) and all(hasattr(cb, "set_model") for cb in val)

    def __str__(self):
        return "a list of keras.callbacks.Callback instances"


class _Strategy(_Constraint):
    """A ``tf.distribute.Strategy``; TensorFlow is imported only if one is given."""

    def is_satisfied_by(self, val):
        module = type(val).__module__ or ""
        if not module.startswith("tensorflow"):
            return False
        from ._backend import get_tensorflow

        return isinstance(val, get_tensorflow().distribute.Strategy)

    def __str__(self):
        return "a tf.distribute.Strategy (such as tf.distribute.MirroredStrategy())"


#: Constraints of the parameters both estimators have.
COMMON_CONSTRAINTS = {
    "latent_dim": [Interval(Integral, 1, None, closed="left")],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0.0, np.inf, closed="neither")],
    "random_state": ["random_state"],
    "verbose": [Options(Integral, {0, 1, 2})],
    "callbacks": [None, _KerasCallbacks()],
    "warm_start": ["boolean"],
    "architecture": [StrOptions(set(ARCHITECTURES))],
    "conv_filters": [Widths()],
    "conditional": ["boolean"],
    "on_divergence": [StrOptions({"raise", "restore"})],
    "distribute_strategy": [None, _Strategy()],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0.0, None, closed="left")],
    "dtype_policy": [StrOptions(set(DTYPE_POLICIES))],
    "learning_rate_schedule": [StrOptions(set(LEARNING_RATE_SCHEDULES))],
}


def widths(value):
    """Layer widths as a tuple of ints (a validated parameter, see :class:`Widths`)."""
    if isinstance(value, Integral):
        return (int(value),)
    return tuple(int(u) for u in value)


def check_positive_int(name, value):
    """Return ``value`` as an int, or raise if it is not an integer >= 1.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : object
        The value to check.

    Returns
    -------
    value : int

    Raises
    ------
    TypeError
        If ``value`` is not an integer (booleans are not).
    ValueError
        If ``value`` is below 1.

    Examples
    --------
    >>> from mnistgen._params import check_positive_int
    >>> check_positive_int("n_samples", 3)
    3
    >>> check_positive_int("n_samples", 0)
    Traceback (most recent call last):
    ...
    ValueError: n_samples must be a positive integer (an int >= 1), got 0.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} of type "
            f"{type(value).__name__}."
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (an int >= 1), got {value}.")
    return int(value)
