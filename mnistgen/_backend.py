"""Lazy access to Keras on the TensorFlow backend.

``import mnistgen`` must stay quick, so nothing here runs at import time:
estimators call :func:`get_keras` the first time they need a network.

TensorFlow's C++ runtime writes start-up lines to the process's stderr as it
loads and looks for devices ("All log messages before
absl::InitializeLog()", oneDNN, "Could not find cuda drivers", "failed call
to cuInit"), past ``TF_CPP_MIN_LOG_LEVEL`` and Python's ``logging``. The
first import is therefore run with file descriptor 2 pointed at a temporary
file, which is dropped if the import succeeds and copied to stderr if it
fails. Setting ``TF_CPP_MIN_LOG_LEVEL`` to 0 or 1 keeps these lines.
"""
import contextlib
import os
import sys
import tempfile

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
    first = "keras" not in sys.modules or "tensorflow" not in sys.modules
    mute = first and os.environ.get("TF_CPP_MIN_LOG_LEVEL") not in ("0", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr_held_back() if mute else contextlib.nullcontext():
        import keras
        import tensorflow as tf

        tf.config.list_physical_devices()  # device discovery prints too

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


@contextlib.contextmanager
def _native_stderr_held_back():
    """Send file descriptor 2 to a temporary file; replay it only on an error."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no real stderr: nothing to hold back
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                held.seek(0)
                sys.stderr.write(held.read().decode(errors="replace"))
