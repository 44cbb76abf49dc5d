"""Snapshots of Keras variables' values, and putting them back.

The fit loop keeps the last good epoch's values (``on_divergence``), early
stopping the best epoch's, and :func:`mnistgen._distribute.place` carries
values over to networks rebuilt under another strategy: all three through
these two functions.
"""
__all__ = ["restore", "snapshot"]


def snapshot(variables):
    """The values of ``variables`` now, as NumPy arrays."""
    return [variable.numpy() for variable in variables]


def restore(variables, values):
    """Assign ``values`` (from :func:`snapshot`) back to ``variables``."""
    for variable, value in zip(variables, values):
        variable.assign(value)
