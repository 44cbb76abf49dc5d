"""The networks' numeric precision, by name: one registry entry each.

``dtype_policy`` (a parameter of both estimators) names an entry of
:data:`DTYPE_POLICIES`, a Keras dtype policy under which the networks are
built (:func:`dtype_policy_scope`). ``"float32"``, the default, is the
report's. ``"mixed_bfloat16"`` keeps every weight, optimizer slot, batch
norm statistic and averaged weight in float32 and computes the hidden
layers in bfloat16, which processors with bfloat16 matrix units (Intel's
AMX, ``amx_bf16`` in ``/proc/cpuinfo``; recent GPUs) multiply several
times faster; the layers that give a network's outputs (pixels, latent
means and variances, the discriminator's score) compute in float32
(:data:`OUTPUT_DTYPE`), so every loss, penalty and sample is float32.

Importing this module imports no TensorFlow.
"""
import contextlib

__all__ = ["DTYPE_POLICIES", "OUTPUT_DTYPE", "dtype_policy_scope"]

#: Keras dtype policy of each ``dtype_policy`` name.
DTYPE_POLICIES = {
    "float32": "float32",
    "mixed_bfloat16": "mixed_bfloat16",
}

#: The dtype of the output layers, whatever the policy.
OUTPUT_DTYPE = "float32"


@contextlib.contextmanager
def dtype_policy_scope(name):
    """Build Keras layers under the policy ``name`` inside a ``with`` block.

    Keras reads its global dtype policy when a layer is created; this sets
    it for the block and puts the previous one back after, also when the
    block raises.

    Parameters
    ----------
    name : str
        A key of :data:`DTYPE_POLICIES`.

    Examples
    --------
    >>> import keras
    >>> from mnistgen._precision import dtype_policy_scope
    >>> with dtype_policy_scope("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(4)
    >>> layer.compute_dtype, layer.variable_dtype
    ('bfloat16', 'float32')
    >>> keras.config.dtype_policy().name
    'float32'
    """
    from ._backend import get_keras

    config = get_keras().config
    previous = config.dtype_policy()
    config.set_dtype_policy(DTYPE_POLICIES[name])
    try:
        yield
    finally:
        config.set_dtype_policy(previous)
