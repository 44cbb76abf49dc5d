"""Inference for ``sample``, ``transform`` and friends: whole batches, compiled.

:func:`infer` runs a network in inference mode through one compiled
TensorFlow function per network; :func:`map_chunks` feeds it large inputs a
chunk of rows at a time, so that memory stays bounded.
"""
import numpy as np

from ._backend import get_tensorflow
from .networks import call

tf = get_tensorflow()

__all__ = ["CHUNK", "cached_function", "infer", "map_chunks"]

#: Rows handed to a network at once when sampling or encoding: large enough to
#: keep the matrix multiplies efficient, small enough to bound memory.
CHUNK = 16384


def cached_function(model, key, make):
    """``make()``, made on first use and kept on ``model`` under ``key``.

    Kept on the network itself, so a rebuilt network gets its own and the
    function goes when the network does.
    """
    fn = model.__dict__.get(key)
    if fn is None:
        fn = model.__dict__[key] = make()
    return fn


def infer(model, x, labels=None):
    """``model``'s output in inference mode, as a NumPy array (or a tuple of them).

    Runs through one compiled TensorFlow function per model (made on first
    use and kept on the model, so a rebuilt network gets its own), which
    saves about a quarter of the time of calling the layers one by one for
    the 10,000-row batches of ``sample`` and ``transform``. Not XLA: these
    are single large batches, where TensorFlow's own (oneDNN) kernels are
    as fast, without a compilation per batch size.

    The function is traced once, for any number of rows, and called as a
    concrete function: that neither retraces for a new batch size nor
    counts towards TensorFlow's warning about frequent retracing, which a
    ``tf.function`` per network set off once a process had fitted and
    sampled five estimators (the warning counts all functions made from
    the same source line as one).

    Batch normalisations are folded into the layers before them
    (:mod:`mnistgen._folding`): the same outputs to float rounding, faster.
    """
    def make():
        from ._folding import foldable_pairs, folded_call

        specs = [tf.TensorSpec((None,) + tuple(t.shape[1:]), t.dtype) for t in model.inputs]
        pairs = foldable_pairs(model)

        def run(x, labels=None):
            if not pairs:
                return call(model, x, labels, False)
            return folded_call(model, [x] if labels is None else [x, labels], pairs)

        return tf.function(run, autograph=False).get_concrete_function(*specs)

    fn = cached_function(model, "_mnistgen_infer", make)
    inputs = [x] if labels is None else [x, labels]
    out = fn(*(tf.convert_to_tensor(a, dtype=spec.dtype)
               for a, spec in zip(inputs, fn.structured_input_signature[0])))
    return tuple(np.asarray(o) for o in out) if isinstance(out, (list, tuple)) else np.asarray(out)


def map_chunks(fn, X, n_out, labels=None, dtype=np.float32):
    """Apply ``fn(rows, labels)`` to chunks of :data:`CHUNK` rows of ``X``.

    ``labels`` (rows aligned with ``X``, or None) is sliced like ``X``.
    Returns an ``(n, n_out)`` array of ``dtype``.
    """
    out = np.empty((X.shape[0], n_out), dtype=dtype)
    for start in range(0, X.shape[0], CHUNK):
        stop = min(start + CHUNK, X.shape[0])
        out[start:stop] = fn(X[start:stop], None if labels is None else labels[start:stop])
    return out
