"""Keras model builders for the report's networks.

Each function returns a functional ``keras.Model`` working on flat rows of
``n_features`` pixels. The estimators call these builders; they are public so
that the networks can be inspected, reused or trained by hand.

The defaults are the report's architectures (see ``docs/models.rst``):

* VAE encoder 784-512-256 (ReLU) with two linear heads of ``latent_dim = 2``
  (mean and log-variance), decoder 2-256-512-784 ending in a sigmoid.
* GAN generator 100-128-256-512-1024-784 with LeakyReLU(0.2), batch norm
  (epsilon 0.8, momentum 0.9) on the 256/512/1024 layers and a tanh output;
  discriminator 784-512-256-1 with LeakyReLU(0.2) and a sigmoid output.

Importing this module imports Keras (and so TensorFlow).
"""
from ._backend import get_keras

keras = get_keras()
layers = keras.layers

__all__ = [
    "build_vae_encoder",
    "build_vae_decoder",
    "build_gan_generator",
    "build_gan_discriminator",
]


class _Seeds:
    """Hand out initializers with one seed per layer, derived from ``seed``.

    The initialisation is PyTorch's default for ``nn.Linear`` (and
    ``nn.Conv2d``), which the report's code used: weights and biases
    uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``. (It matters: with
    Keras's default Glorot-uniform weights and zero biases the report's VAE
    ends about 2.5 nats worse after 5 epochs.)
    """

    def __init__(self, seed):
        self.seed = seed
        self.count = 0

    def _next(self, offset):
        return None if self.seed is None else int(self.seed) + offset + self.count

    def kernel(self):
        """Weights uniform in +-1/sqrt(fan_in) (fan_in read from the kernel's shape)."""
        self.count += 1
        return keras.initializers.VarianceScaling(
            1.0 / 3.0, mode="fan_in", distribution="uniform", seed=self._next(0)
        )

    def bias(self, fan_in):
        """Biases uniform in +-1/sqrt(fan_in), for the layer last given a kernel."""
        bound = 1.0 / float(fan_in) ** 0.5
        return keras.initializers.RandomUniform(-bound, bound, seed=self._next(100_000))


def _dense(units, seeds, activation=None, name=None):
    """A function that applies a new Dense layer, initialised as PyTorch's Linear."""
    kernel = seeds.kernel()

    def apply(h):
        bias = seeds.bias(h.shape[-1])
        layer = layers.Dense(
            units, activation=activation, kernel_initializer=kernel,
            bias_initializer=bias, name=name,
        )
        return layer(h)

    return apply


def build_vae_encoder(n_features=784, hidden_units=(512, 256), latent_dim=2, seed=None):
    """Build the VAE encoder: ReLU MLP with a mean and a log-variance head.

    Parameters
    ----------
    n_features : int, default=784
        Pixels per image (flattened).
    hidden_units : tuple of int, default=(512, 256)
        Widths of the hidden ReLU layers, input side first.
    latent_dim : int, default=2
        Size of the latent space.
    seed : int, default=None
        Seed of the weight initializers (``None``: Keras's global seed).

    Returns
    -------
    encoder : keras.Model
        Maps ``(batch, n_features)`` to ``[z_mean, z_log_var]``, each of shape
        ``(batch, latent_dim)``.

    Examples
    --------
    >>> from mnistgen.networks import build_vae_encoder
    >>> encoder = build_vae_encoder(seed=0)
    >>> [tuple(t.shape) for t in encoder.outputs]
    [(None, 2), (None, 2)]
    """
    seeds = _Seeds(seed)
    x = keras.Input((n_features,), name="images")
    h = x
    for i, units in enumerate(hidden_units):
        h = _dense(units, seeds, "relu", name=f"dense_{i}")(h)
    z_mean = _dense(latent_dim, seeds, name="z_mean")(h)
    z_log_var = _dense(latent_dim, seeds, name="z_log_var")(h)
    return keras.Model(x, [z_mean, z_log_var], name="encoder")


def build_vae_decoder(n_features=784, hidden_units=(512, 256), latent_dim=2, seed=None):
    """Build the VAE decoder: the encoder's mirror, ending in a sigmoid.

    Parameters
    ----------
    n_features : int, default=784
        Pixels per image (flattened).
    hidden_units : tuple of int, default=(512, 256)
        The *encoder's* hidden widths; the decoder uses them in reverse
        order (256 then 512 by default).
    latent_dim : int, default=2
        Size of the latent space.
    seed : int, default=None
        Seed of the weight initializers.

    Returns
    -------
    decoder : keras.Model
        Maps ``(batch, latent_dim)`` codes to ``(batch, n_features)`` pixel
        probabilities in [0, 1].

    Examples
    --------
    >>> from mnistgen.networks import build_vae_decoder
    >>> decoder = build_vae_decoder(seed=0)
    >>> [layer.units for layer in decoder.layers[1:]]
    [256, 512, 784]
    """
    seeds = _Seeds(None if seed is None else int(seed) + 1000)
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i, units in enumerate(reversed(tuple(hidden_units))):
        h = _dense(units, seeds, "relu", name=f"dense_{i}")(h)
    out = _dense(n_features, seeds, "sigmoid", name="pixels")(h)
    return keras.Model(z, out, name="decoder")


def build_gan_generator(
    n_features=784,
    latent_dim=100,
    units=(128, 256, 512, 1024),
    seed=None,
    batch_norm_epsilon=0.8,
    batch_norm_momentum=0.9,
):
    """Build the GAN generator: LeakyReLU MLP with batch norm and a tanh output.

    Parameters
    ----------
    n_features : int, default=784
        Pixels per image (flattened).
    latent_dim : int, default=100
        Size of the noise vector ``z``.
    units : tuple of int, default=(128, 256, 512, 1024)
        Hidden widths. Every hidden layer but the first is followed by batch
        normalisation, as in the report's code.
    seed : int, default=None
        Seed of the weight initializers.
    batch_norm_epsilon : float, default=0.8
        The report's code passes 0.8 as PyTorch's ``eps``.
    batch_norm_momentum : float, default=0.9
        Keras momentum 0.9 is PyTorch's default momentum 0.1.

    Returns
    -------
    generator : keras.Model
        Maps ``(batch, latent_dim)`` noise to ``(batch, n_features)`` images
        in [-1, 1].

    Examples
    --------
    >>> from mnistgen.networks import build_gan_generator
    >>> generator = build_gan_generator(seed=0)
    >>> tuple(generator.output.shape)
    (None, 784)
    """
    seeds = _Seeds(None if seed is None else int(seed) + 2000)
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i, width in enumerate(units):
        h = _dense(width, seeds, name=f"dense_{i}")(h)
        if i > 0:
            h = layers.BatchNormalization(
                momentum=batch_norm_momentum,
                epsilon=batch_norm_epsilon,
                name=f"batch_norm_{i}",
            )(h)
        h = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i}")(h)
    out = _dense(n_features, seeds, "tanh", name="pixels")(h)
    return keras.Model(z, out, name="generator")


def build_gan_discriminator(n_features=784, units=(512, 256), seed=None):
    """Build the GAN discriminator: LeakyReLU MLP ending in one sigmoid unit.

    Parameters
    ----------
    n_features : int, default=784
        Pixels per image (flattened), scaled to [-1, 1].
    units : tuple of int, default=(512, 256)
        Hidden widths.
    seed : int, default=None
        Seed of the weight initializers.

    Returns
    -------
    discriminator : keras.Model
        Maps ``(batch, n_features)`` images to ``(batch, 1)`` probabilities
        that each image is real.

    Examples
    --------
    >>> from mnistgen.networks import build_gan_discriminator
    >>> discriminator = build_gan_discriminator(seed=0)
    >>> tuple(discriminator.output.shape)
    (None, 1)
    """
    seeds = _Seeds(None if seed is None else int(seed) + 3000)
    x = keras.Input((n_features,), name="images")
    h = x
    for i, width in enumerate(units):
        h = _dense(width, seeds, name=f"dense_{i}")(h)
        h = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i}")(h)
    out = _dense(1, seeds, "sigmoid", name="real_probability")(h)
    return keras.Model(x, out, name="discriminator")
