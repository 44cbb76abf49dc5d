"""``tf.distribute`` for the estimators: scopes, the active strategy, global means.

Under a strategy Keras splits each mini-batch across the replicas; the
training steps take their losses through :func:`batch_mean`, so that the
summed gradients of the replicas are those of the whole batch on one device.
"""
import contextlib

from ._backend import get_keras, get_tensorflow
from ._state import restore, snapshot

tf = get_tensorflow()
ops = get_keras().ops

__all__ = ["batch_mean", "current_strategy", "distributed", "multi_worker", "place", "strategy_scope"]


def strategy_scope(strategy):
    """The scope of ``strategy``, or no change if it is None."""
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def distributed():
    """Whether the code runs under a ``tf.distribute`` strategy's scope."""
    return tf.distribute.has_strategy()


def current_strategy():
    """The strategy whose scope is active, or None outside any scope."""
    return tf.distribute.get_strategy() if distributed() else None


def multi_worker():
    """Whether the active strategy spans several worker processes.

    The test Keras applies before reducing logs across workers.
    """
    strategy = tf.distribute.get_strategy()
    in_multi_worker_mode = getattr(strategy.extended, "_in_multi_worker_mode", None)
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        in_multi_worker_mode and in_multi_worker_mode())


def batch_mean(values):
    """Mean of per-row ``values`` over the global batch, on every replica.

    Returns ``(loss, mean)``: ``loss`` is this replica's share to
    differentiate (``tf.distribute`` sums the replicas' gradients), ``mean``
    the global mean to log. On one device both are ``mean(values)``. Under
    a distribution strategy ``loss`` is ``sum(values) / global rows``,
    which stays right when a batch does not split evenly (a replica may
    even get no rows).
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        mean = ops.mean(values)
        return mean, mean
    rows = ctx.all_reduce("SUM", ops.cast(ops.shape(values)[0], values.dtype))
    loss = ops.sum(values) / rows
    return loss, ctx.all_reduce("SUM", loss)


def place(estimator):
    """Make sure an estimator's networks live under the current strategy's scope.

    Networks built (or loaded) under another strategy, or without one, are
    rebuilt in the current scope and given back their weights and optimizer
    state: Keras only trains variables created in the scope of the strategy
    that trains them. A missing trainer (after loading) is made.
    """
    strategy = current_strategy()
    if estimator.__dict__.get("_strategy_built") is not strategy:
        values = snapshot(estimator._state_variables())
        estimator._build(estimator._seed)
        restore(estimator._state_variables(), values)
        estimator._strategy_built = strategy
    elif "_trainer" not in estimator.__dict__:
        estimator._trainer = estimator._make_trainer()
