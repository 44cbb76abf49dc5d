"""The weight arrays an estimator's parameters imply, counted without building anything.

:func:`network_weights` lists, for each network of an estimator, the shape
of every array that its builder in :mod:`mnistgen.networks` creates: the
arrays of Keras's ``model.weights``, trainable kernels and biases and the
non-trainable ones too (batch normalisation's moving statistics, spectral
normalisation's power-iteration vectors). It reads the estimator's
parameters and the fitted attributes the builders read (``image_shape_``,
``n_features_in_``, ``classes_``) and nothing else: plain Python integers,
however large the numbers a model file claims, and no TensorFlow.
:func:`mnistgen.load` uses it to check a file before it builds a network or
reads a Keras file.

``tests/test_hostile_files.py`` compares it with the networks the builders
build, over the options they take: a change to a builder that this module
does not follow fails there.
"""
import reprlib
from collections import namedtuple

from ._architectures import get_architecture
from ._labels import n_classes
from ._params import widths
from ._priors import LATENT_PRIORS
from ._validation import channels_last, check_conv_shape

__all__ = ["Count", "count", "describe", "network_weights", "product"]

#: Totals of one network's arrays: numbers and arrays, all and trainable
#: ones, and the shape of the largest array.
Count = namedtuple("Count", "numbers arrays trainable_numbers trainable_arrays largest")


# --------------------------------------------------------------------------
# Layers: the arrays of one Keras layer, as (shape, trainable)
# --------------------------------------------------------------------------
def _dense(fan_in, units, bias=True, spectral=False):
    yield (fan_in, units), True
    if bias:
        yield (units,), True
    if spectral:  # SpectralNormalization's power-iteration vector
        yield (1, units), False


def _conv(kernel_size, channels_in, filters, spectral=False):
    yield (kernel_size, kernel_size, channels_in, filters), True
    yield (filters,), True
    if spectral:
        yield (1, filters), False


def _deconv(kernel_size, channels_in, filters):
    """A transposed convolution: its kernel is ``(k, k, out, in)``."""
    yield (kernel_size, kernel_size, filters, channels_in), True
    yield (filters,), True


def _batch_norm(width):
    yield (width,), True  # gamma
    yield (width,), True  # beta
    yield (width,), False  # moving mean
    yield (width,), False  # moving variance


# --------------------------------------------------------------------------
# Networks: one function per builder of mnistgen.networks, same arguments
# --------------------------------------------------------------------------
def _vae_encoder(n_features, hidden_units, latent_dim, n_classes):
    fan_in = n_features + n_classes
    for units in hidden_units:
        yield from _dense(fan_in, units)
        fan_in = units
    yield from _dense(fan_in, latent_dim)  # z_mean
    yield from _dense(fan_in, latent_dim)  # z_log_var


def _vae_decoder(n_features, hidden_units, latent_dim, n_classes):
    fan_in = latent_dim + n_classes
    for units in reversed(hidden_units):
        yield from _dense(fan_in, units)
        fan_in = units
    yield from _dense(fan_in, n_features)


def _gan_generator(n_features, latent_dim, units, n_classes):
    fan_in = latent_dim + n_classes
    for i, width in enumerate(units):
        yield from _dense(fan_in, width)
        if i > 0:
            yield from _batch_norm(width)
        fan_in = width
    yield from _dense(fan_in, n_features)


def _critic_output(fan_in, n_classes, spectral_norm, projection):
    yield from _dense(fan_in, 1, spectral=spectral_norm)
    if projection and n_classes:
        yield (n_classes, fan_in), True  # the class embedding


def _gan_discriminator(n_features, units, n_classes, spectral_norm, projection):
    fan_in = n_features + (0 if projection else n_classes)
    for width in units:
        yield from _dense(fan_in, width, spectral=spectral_norm)
        fan_in = width
    yield from _critic_output(fan_in, n_classes, spectral_norm, projection)


def _grid(image_shape, filters):
    """``(H, W, C)`` of the images and ``(h, w)`` of the grid after the convolutions."""
    return channels_last(image_shape), check_conv_shape(image_shape, filters)


def _conv_vae_encoder(image_shape, filters, latent_dim, n_classes, dense_units):
    (_, _, channels), (height, width) = _grid(image_shape, filters)
    channels_in = channels + n_classes  # the labels as extra channels
    for f in filters:
        yield from _conv(3, channels_in, f)
        channels_in = f
    fan_in = height * width * filters[-1]
    for units in dense_units:
        yield from _dense(fan_in, units)
        fan_in = units
    yield from _dense(fan_in, latent_dim)
    yield from _dense(fan_in, latent_dim)


def _conv_vae_decoder(image_shape, filters, latent_dim, n_classes, dense_units):
    (_, _, channels), (height, width) = _grid(image_shape, filters)
    fan_in = latent_dim + n_classes
    for units in reversed(dense_units):
        yield from _dense(fan_in, units)
        fan_in = units
    yield from _dense(fan_in, height * width * filters[-1])
    channels_in = filters[-1]
    for f in reversed(filters[:-1]):
        yield from _deconv(3, channels_in, f)
        channels_in = f
    yield from _deconv(3, channels_in, channels)


def _conv_gan_generator(image_shape, latent_dim, filters, n_classes):
    (_, _, channels), (height, width) = _grid(image_shape, filters)
    grid = height * width * filters[-1]
    yield from _dense(latent_dim + n_classes, grid, bias=False)
    yield from _batch_norm(grid)
    channels_in = filters[-1]
    for f in reversed(filters[:-1]):
        yield from _deconv(5, channels_in, f)
        yield from _batch_norm(f)
        channels_in = f
    yield from _deconv(5, channels_in, channels)


def _conv_gan_discriminator(image_shape, filters, n_classes, spectral_norm, projection):
    (_, _, channels), (height, width) = _grid(image_shape, filters)
    channels_in = channels + (0 if projection else n_classes)
    for f in filters:
        yield from _conv(5, channels_in, f, spectral=spectral_norm)
        channels_in = f
    yield from _critic_output(height * width * filters[-1], n_classes, spectral_norm, projection)


# --------------------------------------------------------------------------
# Estimators: which parameters reach which builder (as their _make_networks)
# --------------------------------------------------------------------------
def _vae_networks(est):
    k = n_classes(est)
    if get_architecture(est.architecture).images_as_grids:
        args = (est.image_shape_, widths(est.conv_filters), int(est.latent_dim), k,
                widths(est.conv_dense_units))
        nets = {"encoder_": (_conv_vae_encoder, args), "decoder_": (_conv_vae_decoder, args)}
    else:
        args = (est.n_features_in_, widths(est.hidden_units), int(est.latent_dim), k)
        nets = {"encoder_": (_vae_encoder, args), "decoder_": (_vae_decoder, args)}
    prior = LATENT_PRIORS[est.prior]
    if prior.learned:
        nets["prior_"] = (prior.arrays, (int(est.latent_dim), int(est.prior_components)))
    return nets


def _gan_networks(est):
    k = n_classes(est)
    spectral, projection = bool(est.spectral_norm), est._projection
    if get_architecture(est.architecture).images_as_grids:
        filters = widths(est.conv_filters)
        generator = (_conv_gan_generator, (est.image_shape_, int(est.latent_dim),
                                           est._generator_filters, k))
        discriminator = (_conv_gan_discriminator,
                         (est.image_shape_, filters, k, spectral, projection))
    else:
        generator = (_gan_generator, (est.n_features_in_, int(est.latent_dim),
                                      widths(est.generator_units), k))
        discriminator = (_gan_discriminator, (est.n_features_in_,
                                              widths(est.discriminator_units), k, spectral,
                                              projection))
    nets = {"generator_": generator, "discriminator_": discriminator}
    if est.ema is not None:
        nets["generator_ema_"] = generator
    return nets


_NETWORKS = {"VAEGenerator": _vae_networks, "GANGenerator": _gan_networks}

#: The parameters that shape each estimator's networks, for messages.
_SHAPING = {
    "VAEGenerator": {"mlp": ("latent_dim", "hidden_units"),
                     "conv": ("latent_dim", "conv_filters", "conv_dense_units")},
    "GANGenerator": {"mlp": ("latent_dim", "generator_units", "discriminator_units", "spectral_norm"),
                     "conv": ("latent_dim", "conv_filters", "conv_generator_filters",
                              "spectral_norm")},
}


class _Arrays:
    """The ``(shape, trainable)`` of a network's arrays, iterable any number of times."""

    def __init__(self, function, args):
        self._function, self._args = function, args

    def __iter__(self):
        return self._function(*self._args)


def network_weights(estimator):
    """The arrays each network of ``estimator`` has, from its parameters alone.

    Parameters
    ----------
    estimator : VAEGenerator or GANGenerator
        An estimator with validated parameters and the fitted attributes
        ``n_features_in_``, ``image_shape_`` and, if conditional,
        ``classes_``; its networks need not exist.

    Returns
    -------
    weights : dict
        For each network attribute (``"encoder_"``, ...), an iterable of
        ``(shape, trainable)`` pairs, one per array of Keras's
        ``model.weights``, in no particular order. It is computed as it is
        iterated (a file may claim networks too large to list), and can be
        iterated again.

    Raises
    ------
    ValueError
        If a convolutional network's image size is not divisible by
        ``2 ** len(conv_filters)``.

    Examples
    --------
    >>> from mnistgen import VAEGenerator
    >>> from mnistgen._sizes import network_weights
    >>> vae = VAEGenerator(hidden_units=(16,), latent_dim=2)
    >>> vae.n_features_in_, vae.image_shape_ = 64, (8, 8)
    >>> sorted(shape for shape, _ in network_weights(vae)["encoder_"])
    [(2,), (2,), (16,), (16, 2), (16, 2), (64, 16)]
    """
    nets = _NETWORKS[type(estimator).__name__](estimator)
    return {name: _Arrays(function, args) for name, (function, args) in nets.items()}


def product(dims):
    """The product of ``dims`` as a Python int: exact, whatever a file claims."""
    out = 1
    for dim in dims:
        out *= int(dim)
    return out


def count(arrays):
    """Add up an iterable of ``(shape, trainable)`` pairs into a :class:`Count`."""
    numbers = arrays_ = trainable_numbers = trainable_arrays = 0
    largest, largest_size = (), 0
    for shape, trainable in arrays:
        size = product(shape)
        numbers += size
        arrays_ += 1
        if trainable:
            trainable_numbers += size
            trainable_arrays += 1
        if size > largest_size:
            largest, largest_size = shape, size
    return Count(numbers, arrays_, trainable_numbers, trainable_arrays, largest)


def describe(estimator):
    """The parameters and data shape that set the networks' sizes, for messages.

    Long values are shortened (a file may hold a tuple of a million widths).
    """
    short = reprlib.Repr()
    short.maxtuple = short.maxlist = 8
    short.maxlong = 24
    name = type(estimator).__name__
    shaping = _SHAPING[name][estimator.architecture]
    parts = [f"{key}={short.repr(getattr(estimator, key))}" for key in shaping]
    parts.append("images " + "x".join(short.repr(int(s)) for s in estimator.image_shape_))
    if n_classes(estimator):
        parts.append(f"{n_classes(estimator)} classes")
    if name == "GANGenerator" and estimator.ema is not None:
        parts.append("ema (a second generator)")
    if name == "VAEGenerator" and LATENT_PRIORS[estimator.prior].learned:
        parts.append(f"prior={estimator.prior!r} of {short.repr(estimator.prior_components)} "
                     "components")
    return ", ".join(parts)
