"""How the trainers are compiled: XLA or not, and mini-batches per compiled call.

The settings are a context, not module globals: :func:`compile_options`
changes them for the code inside a ``with`` block (tests train without XLA,
benchmarks time the plain one-batch-per-call loop) and puts them back after.
The estimators read them when they build a trainer and its input pipeline.
"""
import contextlib
import contextvars
import dataclasses

from ._architectures import get_architecture

__all__ = ["CompileOptions", "compile_options", "current_compile_options", "keras_compile_kwargs"]


@dataclasses.dataclass(frozen=True)
class CompileOptions:
    """Settings of the compiled training step.

    Parameters
    ----------
    jit_compile : bool, default=True
        XLA-compile the training step of the MLP models on one device.
        Convolutional models and training under ``tf.distribute`` never use
        XLA (see :func:`keras_compile_kwargs`).
    steps_per_call : int, default=50
        Mini-batches trained per call of the compiled function (one Keras
        "step"); under ``tf.distribute`` it is always 1.
    conv_jit_compile : bool, default=False
        XLA-compile the convolutional models on one device too (off: on a
        CPU XLA's convolutions are far slower than oneDNN's).
    """

    jit_compile: bool = True
    steps_per_call: int = 50
    conv_jit_compile: bool = False


_CURRENT = contextvars.ContextVar("mnistgen_compile_options", default=CompileOptions())


def current_compile_options():
    """The :class:`CompileOptions` in force here."""
    return _CURRENT.get()


@contextlib.contextmanager
def compile_options(**changes):
    """Train with other :class:`CompileOptions` inside a ``with`` block.

    Examples
    --------
    >>> from mnistgen._compilation import compile_options, current_compile_options
    >>> with compile_options(steps_per_call=1):
    ...     current_compile_options().steps_per_call
    1
    >>> current_compile_options().steps_per_call
    50
    """
    token = _CURRENT.set(dataclasses.replace(_CURRENT.get(), **changes))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


def keras_compile_kwargs(architecture, distributed):
    """Keras ``compile`` options for a trainer.

    The report's MLPs on one device follow ``jit_compile`` (XLA by
    default). Convolutional networks follow ``conv_jit_compile`` (no XLA by
    default: on a CPU, XLA's convolutions made an epoch of the
    convolutional VAE much slower than TensorFlow's own oneDNN kernels,
    measured by ``benchmarks/bench_conv_xla.py``, see
    ``benchmarks/SPEED_NOTES.md``). Under a distribution strategy,
    Keras's own default for ``tf.distribute``: no XLA, because one XLA
    cluster cannot span the replicas and their gradient all-reduce.
    """
    if distributed:
        return {"jit_compile": False}
    option = get_architecture(architecture).jit_option
    return {"jit_compile": bool(getattr(current_compile_options(), option))}
