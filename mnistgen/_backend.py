"""Lazy access to Keras on the TensorFlow backend.

``import mnistgen`` must stay quick, so nothing here runs at import time:
estimators call :func:`get_keras` the first time they need a network.
"""
import os

__all__ = ["get_keras", "get_tensorflow"]


def get_keras():
    """Import Keras 3 with the TensorFlow backend and return the module.

    Returns
    -------
    keras : module
        The imported :mod:`keras` package.

    Raises
    ------
    ImportError
        If Keras is older than 3.0 or runs on another backend than TensorFlow.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if int(keras.__version__.split(".")[0]) < 3:  # pragma: no cover - setup.py pins it
        raise ImportError(
            f"mnistgen needs Keras 3, found keras {keras.__version__}"
        )
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ImportError(
            "mnistgen runs on Keras's TensorFlow backend, but Keras was "
            f"loaded with backend {backend!r}; set KERAS_BACKEND=tensorflow "
            "before importing keras."
        )
    return keras


def get_tensorflow():
    """Import TensorFlow (after Keras's backend checks) and return it."""
    get_keras()
    import tensorflow as tf

    return tf
