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

Beyond the report, the ``build_conv_*`` functions build convolutional
versions (a DCGAN-style GAN and a convolutional VAE). They too take and
return flat rows and reshape inside the model, so the estimators train,
sample and save them like the MLPs. Every builder takes ``n_classes``: when
it is positive the model gets a second input, the one-hot class label, for
the class-conditional models (see ``docs/models.rst``).

Importing this module imports Keras (and so TensorFlow).
"""
import numpy as np

from ._activations import FusibleLeakyReLU
from ._backend import get_keras
from ._normalization import FusedBatchNormalization
from ._projection import RowwiseDot
from ._precision import OUTPUT_DTYPE
from ._subpixel import SubpixelConv2D, SubpixelConv2DTranspose
from ._validation import channels_last, check_conv_shape

keras = get_keras()
layers = keras.layers

__all__ = [
    "call",
    "build_vae_encoder",
    "build_vae_decoder",
    "build_gan_generator",
    "build_gan_discriminator",
    "build_conv_vae_encoder",
    "build_conv_vae_decoder",
    "build_conv_gan_generator",
    "build_conv_gan_discriminator",
]


#: What each network adds to the seed it is built with, so that the networks
#: of one estimator draw different initial weights from one ``random_state``.
#: Fixed values: they decide every network's initial weights.
SEED_OFFSETS = {"encoder": 0, "decoder": 1000, "generator": 2000, "discriminator": 3000,
                "power_iteration": 5000}


def _offset_seed(seed, role):
    """``seed`` plus the offset of ``role`` (:data:`SEED_OFFSETS`); None stays None."""
    return None if seed is None else int(seed) + SEED_OFFSETS[role]


class _Seeds:
    """Hand out initializers with one seed per layer, derived from ``seed``.

    The initialisation is PyTorch's default for ``nn.Linear`` (and
    ``nn.Conv2d``), which the report's code used: weights and biases
    uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``. (It matters: with
    Keras's default Glorot-uniform weights and zero biases the report's VAE
    trains to a worse bound.) ``role`` names the network
    (:data:`SEED_OFFSETS`).
    """

    def __init__(self, seed, role):
        self.seed = _offset_seed(seed, role)
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

    def small(self, stddev=0.02):
        """Weights normal with a small ``stddev`` (a class embedding)."""
        self.count += 1
        return keras.initializers.RandomNormal(0.0, stddev, seed=self._next(0))


def _wrap(layer, spectral):
    """``layer``, or ``layer`` under Keras's spectral normalisation."""
    if not spectral:
        return layer
    inner = layer.name
    layer.name = f"{inner}_layer"
    return layers.SpectralNormalization(layer, name=inner, dtype=layer.dtype_policy)


def _seed_power_iterations(model, seed):
    """Seed the power-iteration vectors of spectral normalisation.

    Keras draws them from its global generator; drawing them from ``seed``
    keeps a spectrally normalised network reproducible from ``random_state``.
    """
    rng = np.random.default_rng(_offset_seed(seed, "power_iteration"))
    for layer in model.layers:
        if isinstance(layer, layers.SpectralNormalization):
            u = layer.vector_u
            layer.vector_u.assign(rng.normal(0.0, 0.02, tuple(u.shape)).astype("float32"))
    return model


def _dense(units, seeds, activation=None, name=None, spectral=False, dtype=None):
    """A function that applies a new Dense layer, initialised as PyTorch's Linear.

    ``dtype`` (a policy; None: the global one) is :data:`OUTPUT_DTYPE` for
    the layers that give a network's outputs.
    """
    kernel = seeds.kernel()

    def apply(h):
        bias = seeds.bias(h.shape[-1])
        layer = layers.Dense(
            units, activation=activation, kernel_initializer=kernel,
            bias_initializer=bias, name=name, dtype=dtype,
        )
        return _wrap(layer, spectral)(h)

    return apply


def _critic_output(h, label, seeds, activation, spectral, projection):
    """The discriminator's output unit on its features ``h``.

    With ``projection`` (and labels) the unit's score plus the inner product
    of ``h`` with a learned embedding of the one-hot label (the projection
    discriminator of Miyato & Koyama 2018), the embedding initialised small.
    """
    out = dict(dtype=OUTPUT_DTYPE)
    if not projection or label is None:
        return _dense(1, seeds, activation, name="real_probability", spectral=spectral, **out)(h)
    score = _dense(1, seeds, None, name="real_score", spectral=spectral, **out)(h)
    embedding = layers.Dense(int(h.shape[-1]), use_bias=False, kernel_initializer=seeds.small(),
                             name="class_embedding", **out)(label)
    inner = RowwiseDot(axes=1, name="projection", **out)([embedding, h])
    return layers.Activation(activation, name="real_probability", **out)(
        layers.Add(name="logit", **out)([score, inner]))


def call(model, x, labels=None, training=False):
    """Run a network built here on ``x``, with the one-hot ``labels`` if conditional.

    Parameters
    ----------
    model : keras.Model
        A network from one of the builders.
    x : tensor or ndarray
        The main input (images or latent codes).
    labels : tensor or ndarray of shape (batch, n_classes), default=None
        The second input of a conditional network; None for an
        unconditional one.
    training : bool, default=False
        Keras's training flag (batch normalisation uses batch statistics).

    Returns
    -------
    outputs : tensor or list of tensors
        The model's output(s).

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen.networks import build_vae_decoder, call
    >>> decoder = build_vae_decoder(n_features=16, hidden_units=(8,), n_classes=3, seed=0)
    >>> tuple(call(decoder, np.zeros((4, 2)), np.eye(3)[[0, 1, 2, 0]]).shape)
    (4, 16)
    """
    if labels is None:
        return model(x, training=training)
    ops = keras.ops
    return model([ops.convert_to_tensor(x), ops.convert_to_tensor(labels)], training=training)


def _inputs(shape, name, n_classes):
    """The main input and, for a conditional model, the one-hot label input.

    Returns ``(inputs, main, label)``: what ``keras.Model`` takes as inputs
    (the main input alone, or ``[main, label]``), the main input tensor and
    the label tensor (``None`` when ``n_classes`` is 0).
    """
    main = keras.Input(shape, name=name)
    if not n_classes:
        return main, main, None
    label = keras.Input((int(n_classes),), name="labels")
    return [main, label], main, label


def _with_label(h, label):
    """Concatenate the one-hot ``label`` to flat features ``h``."""
    if label is None:
        return h
    return layers.Concatenate(name="with_labels")([h, label])


def _label_maps(image, label, image_shape):
    """Images ``(H, W, C)`` with the one-hot label broadcast as extra channels."""
    if label is None:
        return image
    height, width = image_shape
    maps = layers.RepeatVector(height * width, name="repeat_labels")(label)
    maps = layers.Reshape((height, width, int(label.shape[-1])), name="label_maps")(maps)
    return layers.Concatenate(axis=-1, name="with_label_maps")([image, maps])


def build_vae_encoder(n_features=784, hidden_units=(512, 256), latent_dim=2, seed=None, n_classes=0):
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
    n_classes : int, default=0
        For a conditional encoder, the number of classes: the model then
        takes ``[images, labels]`` and concatenates the one-hot labels
        ``(batch, n_classes)`` to the flat images.

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
    >>> [tuple(t.shape) for t in build_vae_encoder(n_classes=10, seed=0).inputs]
    [(None, 784), (None, 10)]
    """
    seeds = _Seeds(seed, "encoder")
    inputs, x, label = _inputs((n_features,), "images", n_classes)
    h = _with_label(x, label)
    for i, units in enumerate(hidden_units):
        h = _dense(units, seeds, "relu", name=f"dense_{i}")(h)
    z_mean = _dense(latent_dim, seeds, name="z_mean", dtype=OUTPUT_DTYPE)(h)
    z_log_var = _dense(latent_dim, seeds, name="z_log_var", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def build_vae_decoder(n_features=784, hidden_units=(512, 256), latent_dim=2, seed=None, n_classes=0,
                      output_activation="sigmoid"):
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
    n_classes : int, default=0
        For a conditional decoder, the number of classes: the model then
        takes ``[z, labels]`` and concatenates the one-hot labels to ``z``.
    output_activation : str, default="sigmoid"
        Activation of the output layer: the decoder likelihood's
        (:data:`mnistgen._likelihoods.DECODER_LIKELIHOODS`); the sigmoid
        is the report's Bernoulli decoder.

    Returns
    -------
    decoder : keras.Model
        Maps ``(batch, latent_dim)`` codes to ``(batch, n_features)`` pixel
        probabilities in [0, 1] (with the default activation).

    Examples
    --------
    >>> from mnistgen.networks import build_vae_decoder
    >>> decoder = build_vae_decoder(seed=0)
    >>> [layer.units for layer in decoder.layers[1:]]
    [256, 512, 784]
    """
    seeds = _Seeds(seed, "decoder")
    inputs, z, label = _inputs((latent_dim,), "z", n_classes)
    h = _with_label(z, label)
    for i, units in enumerate(reversed(tuple(hidden_units))):
        h = _dense(units, seeds, "relu", name=f"dense_{i}")(h)
    out = _dense(n_features, seeds, output_activation, name="pixels", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, out, name="decoder")


def build_gan_generator(n_features=784, latent_dim=100, units=(128, 256, 512, 1024), seed=None,
                        batch_norm_epsilon=0.8, batch_norm_momentum=0.9, n_classes=0,
                        synchronized=False):
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
    n_classes : int, default=0
        For a conditional generator, the number of classes: the model then
        takes ``[z, labels]`` and concatenates the one-hot labels to ``z``.
    synchronized : bool, default=False
        Batch statistics over the global batch of all replicas when trained
        under a ``tf.distribute`` strategy (Keras's
        ``BatchNormalization(synchronized=True)``), so that data-parallel
        training normalises as one device does. The estimators set it when
        they build under a strategy.

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
    seeds = _Seeds(seed, "generator")
    inputs, z, label = _inputs((latent_dim,), "z", n_classes)
    h = _with_label(z, label)
    norm = dict(momentum=batch_norm_momentum, epsilon=batch_norm_epsilon, synchronized=synchronized)
    for i, width in enumerate(units):
        h = _dense(width, seeds, name=f"dense_{i}")(h)
        if i > 0:
            h = _norm_act(h, i, norm)
        else:
            h = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i}")(h)
    out = _dense(n_features, seeds, "tanh", name="pixels", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, out, name="generator")


def build_gan_discriminator(n_features=784, units=(512, 256), seed=None, n_classes=0,
                            output_activation="sigmoid", spectral_norm=False, projection=False):
    """Build the GAN discriminator: LeakyReLU MLP ending in one sigmoid unit.

    Parameters
    ----------
    n_features : int, default=784
        Pixels per image (flattened), scaled to [-1, 1].
    units : tuple of int, default=(512, 256)
        Hidden widths.
    seed : int, default=None
        Seed of the weight initializers.
    n_classes : int, default=0
        For a conditional discriminator, the number of classes: the model
        then takes ``[images, labels]`` and concatenates the one-hot labels
        to the flat images.
    output_activation : str, default="sigmoid"
        Activation of the output unit: ``"sigmoid"`` (a probability, for the
        report's cross-entropy loss) or ``"linear"`` (a score, for the hinge
        and Wasserstein losses).
    spectral_norm : bool, default=False
        Wrap every layer in Keras's ``SpectralNormalization`` (Miyato et al.
        2018), its power-iteration vectors seeded from ``seed``.
    projection : bool, default=False
        Conditional only: read the labels by projection (Miyato & Koyama
        2018) instead of concatenating them to the images.

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
    seeds = _Seeds(seed, "discriminator")
    inputs, x, label = _inputs((n_features,), "images", n_classes)
    h = x if projection else _with_label(x, label)
    for i, width in enumerate(units):
        h = _dense(width, seeds, name=f"dense_{i}", spectral=spectral_norm)(h)
        h = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i}")(h)
    out = _critic_output(h, label, seeds, output_activation, spectral_norm, projection)
    return _seed_power_iterations(keras.Model(inputs, out, name="discriminator"), seed)


# --------------------------------------------------------------------------
# Convolutional networks (beyond the report)
# --------------------------------------------------------------------------
def _strided(layer_class, filters, kernel_size, seeds, activation=None, name=None, spectral=False,
             **options):
    """A function that applies a new stride-2 (transposed) convolution.

    Initialised as PyTorch's ``nn.Conv2d`` / ``nn.ConvTranspose2d``: kernel
    and bias uniform in +-1/sqrt(fan_in), with PyTorch's fan-in
    (``kernel_size**2`` times the input channels of a convolution, the
    output channels of a transposed one).
    """
    kernel = seeds.kernel()

    def apply(h):
        if not issubclass(layer_class, layers.Conv2D):
            channels = filters
        else:  # the images' channels, and the labels' for a layer called on [images, labels]
            channels = sum(int(t.shape[-1]) for t in (h if isinstance(h, list) else [h]))
        layer = layer_class(
            filters, kernel_size, strides=2, padding="same", activation=activation,
            kernel_initializer=kernel, bias_initializer=seeds.bias(kernel_size**2 * channels),
            name=name, **options,
        )
        return _wrap(layer, spectral)(h)

    return apply


def _conv(filters, kernel_size, seeds, activation=None, name=None, spectral=False, image_side=False,
          label_channels=0):
    """A stride-2 convolution; ``image_side`` for the one that reads the image.

    There the input has few channels and TensorFlow's gradient with respect
    to it is slow on the CPU: :class:`~mnistgen._subpixel.SubpixelConv2D`
    computes the same layer with a fast one; with ``label_channels`` it is
    called on ``[images, labels]`` and convolves the label maps without
    building them.
    """
    if not image_side:
        return _strided(layers.Conv2D, filters, kernel_size, seeds, activation, name, spectral)
    return _strided(SubpixelConv2D, filters, kernel_size, seeds, activation, name, spectral,
                    label_channels=label_channels)


def _deconv(filters, kernel_size, seeds, activation=None, name=None, image_side=False, **options):
    """A stride-2 transposed convolution; ``image_side`` for the one that writes the image.

    There the output has few channels and TensorFlow's kernel is slow on
    the CPU: :class:`~mnistgen._subpixel.SubpixelConv2DTranspose` computes
    the same layer as a sub-pixel convolution.
    """
    layer_class = SubpixelConv2DTranspose if image_side else layers.Conv2DTranspose
    return _strided(layer_class, filters, kernel_size, seeds, activation, name, **options)


def _norm_act(h, i, norm, fused=False):
    """Batch normalisation (keyword arguments ``norm``), then LeakyReLU(0.2).

    ``fused``: trained through TensorFlow's fused kernel (the same values,
    faster on the CPU; the MLP generator, compiled by XLA, gains nothing).
    """
    normalization = FusedBatchNormalization if fused else layers.BatchNormalization
    h = normalization(name=f"batch_norm_{i}", **norm)(h)
    return layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i}")(h)


def _image_input(image_shape, n_classes, label_maps=True):
    """Flat-row input reshaped to ``(H, W, C)``, labels as extra channels.

    Returns ``(inputs, image, label)``; ``label_maps=False`` leaves the
    labels out of the image (for a projection discriminator).
    """
    height, width, channels = channels_last(image_shape)
    inputs, x, label = _inputs((height * width * channels,), "images", n_classes)
    image = layers.Reshape((height, width, channels), name="to_image")(x)
    if label_maps:
        image = _label_maps(image, label, (height, width))
    return inputs, image, label


def build_conv_vae_encoder(image_shape=(28, 28), filters=(32, 64), latent_dim=2, seed=None, n_classes=0,
                           dense_units=()):
    """Build a convolutional VAE encoder: strided 3x3 ReLU convolutions, two heads.

    The flat input rows are reshaped to ``(H, W, C)``; each entry of
    ``filters`` is a 3x3 convolution with stride 2 and ReLU, halving the
    height and width (28x28 -> 14x14 -> 7x7 by default); the result is
    flattened, passed through ReLU dense layers of ``dense_units`` and fed
    to two linear heads, the mean and the log-variance.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(H, W)`` of greyscale or ``(H, W, C)`` of ``C``-channel images,
        ``H`` and ``W`` divisible by ``2 ** len(filters)``.
    filters : tuple of int, default=(32, 64)
        Channels of the strided convolutions, input side first.
    latent_dim : int, default=2
        Size of the latent space.
    seed : int, default=None
        Seed of the weight initializers (``None``: Keras's global seed).
    n_classes : int, default=0
        For a conditional encoder, the number of classes: it then takes
        ``[images, labels]``, the one-hot labels broadcast over the image as
        ``n_classes`` extra input channels (their part computed, not built).
    dense_units : tuple of int, default=()
        ReLU dense layers between the convolutions and the heads.

    Returns
    -------
    encoder : keras.Model
        Maps ``(batch, H*W*C)`` to ``[z_mean, z_log_var]``, each ``(batch, latent_dim)``.

    Raises
    ------
    ValueError
        If ``H`` or ``W`` is not divisible by ``2 ** len(filters)``.

    Examples
    --------
    >>> from mnistgen.networks import build_conv_vae_encoder
    >>> encoder = build_conv_vae_encoder(seed=0)
    >>> [tuple(t.shape) for t in encoder.outputs]
    [(None, 2), (None, 2)]
    >>> [layer.output.shape[1:] for layer in encoder.layers if "conv" in layer.name]
    [(14, 14, 32), (7, 7, 64)]
    """
    check_conv_shape(image_shape, filters)
    seeds = _Seeds(seed, "encoder")
    inputs, h, _, label_channels = _first_conv_input(image_shape, n_classes, False, False)
    for i, f in enumerate(filters):
        h = _conv(f, 3, seeds, "relu", name=f"conv_{i}", image_side=i == 0 and label_channels > 0,
                  label_channels=label_channels)(h)
    h = layers.Flatten(name="flatten")(h)
    for i, units in enumerate(dense_units):
        h = _dense(int(units), seeds, "relu", name=f"hidden_{i}")(h)
    z_mean = _dense(latent_dim, seeds, name="z_mean", dtype=OUTPUT_DTYPE)(h)
    z_log_var = _dense(latent_dim, seeds, name="z_log_var", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def build_conv_vae_decoder(image_shape=(28, 28), filters=(32, 64), latent_dim=2, seed=None, n_classes=0,
                           dense_units=(), output_activation="sigmoid"):
    """Build a convolutional VAE decoder: the conv encoder's mirror, ending in a sigmoid.

    ReLU dense layers (``dense_units`` reversed, then one more) map ``z`` to
    a ``(H/4, W/4, filters[-1])`` grid; 3x3 stride-2 transposed convolutions
    double it back (7x7x64 -> 14x14x32 -> 28x28x1), flattened to rows.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(H, W)`` of greyscale or ``(H, W, C)`` of ``C``-channel images,
        ``H`` and ``W`` divisible by ``2 ** len(filters)``.
    filters : tuple of int, default=(32, 64)
        The *encoder's* channels, used in reverse.
    latent_dim : int, default=2
        Size of the latent space.
    seed : int, default=None
        Seed of the weight initializers.
    n_classes : int, default=0
        For a conditional decoder, the number of classes: it then takes
        ``[z, labels]``, the one-hot labels concatenated to ``z``.
    dense_units : tuple of int, default=()
        The *encoder's* dense units, applied in reverse before the grid.
    output_activation : str, default="sigmoid"
        Activation of the last layer (the sigmoid: the report's Bernoulli).

    Returns
    -------
    decoder : keras.Model
        Maps ``(batch, latent_dim)`` codes to ``(batch, H*W*C)`` pixels.

    Raises
    ------
    ValueError
        If ``H`` or ``W`` is not divisible by ``2 ** len(filters)``.

    Examples
    --------
    >>> from mnistgen.networks import build_conv_vae_decoder
    >>> decoder = build_conv_vae_decoder(seed=0)
    >>> tuple(decoder.output.shape), decoder.get_layer("grid").output.shape[1:]
    ((None, 784), (7, 7, 64))
    """
    height, width, channels = channels_last(image_shape)
    grid = check_conv_shape(image_shape, filters)
    seeds = _Seeds(seed, "decoder")
    inputs, z, label = _inputs((latent_dim,), "z", n_classes)
    h = _with_label(z, label)
    for i, units in enumerate(reversed(tuple(dense_units))):
        h = _dense(int(units), seeds, "relu", name=f"hidden_{i}")(h)
    h = _dense(grid[0] * grid[1] * filters[-1], seeds, "relu", name="dense")(h)
    h = layers.Reshape(grid + (filters[-1],), name="grid")(h)
    for i, f in enumerate(reversed(tuple(filters[:-1]))):
        h = _deconv(f, 3, seeds, "relu", name=f"deconv_{i}")(h)
    h = _deconv(channels, 3, seeds, output_activation, name="pixels", image_side=True,
                dtype=OUTPUT_DTYPE)(h)
    out = layers.Reshape((height * width * channels,), name="to_rows", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, out, name="decoder")


def build_conv_gan_generator(image_shape=(28, 28), latent_dim=100, filters=(32, 64), seed=None,
                             batch_norm_momentum=0.9, n_classes=0, synchronized=False):
    """Build a DCGAN-style generator: dense to a small grid, transposed convolutions up.

    A dense layer maps the noise to a ``(H/4, W/4, filters[-1])`` grid;
    5x5 stride-2 transposed convolutions double it with the channels of
    ``filters`` in reverse, the last with one channel and tanh (7x7x64 ->
    14x14x32 -> 28x28x1 by default), each other layer followed by (fused)
    batch normalisation and LeakyReLU(0.2). The output is flattened to rows.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(H, W)`` of greyscale or ``(H, W, C)`` of ``C``-channel images,
        ``H`` and ``W`` divisible by ``2 ** len(filters)``
        (a ``ValueError`` says so otherwise).
    latent_dim : int, default=100
        Size of the noise vector ``z``.
    filters : tuple of int, default=(32, 64)
        The *discriminator's* channels, input side first (used in reverse).
    seed : int, default=None
        Seed of the weight initializers.
    batch_norm_momentum : float, default=0.9
        Momentum of the batch normalisation's moving statistics.
    n_classes : int, default=0
        For a conditional generator, the number of classes (the one-hot
        labels are concatenated to ``z``).
    synchronized : bool, default=False
        Batch statistics over all replicas, as in :func:`build_gan_generator`.

    Returns
    -------
    generator : keras.Model
        Maps ``(batch, latent_dim)`` noise to ``(batch, H*W)`` images in [-1, 1].

    Examples
    --------
    >>> from mnistgen.networks import build_conv_gan_generator
    >>> generator = build_conv_gan_generator(seed=0)
    >>> tuple(generator.output.shape)
    (None, 784)
    >>> generator.get_layer("grid").output.shape[1:]
    (7, 7, 64)
    """
    height, width, channels = channels_last(image_shape)
    grid = check_conv_shape(image_shape, filters)
    seeds = _Seeds(seed, "generator")
    norm = dict(momentum=batch_norm_momentum, synchronized=synchronized)
    inputs, z, label = _inputs((latent_dim,), "z", n_classes)
    h = _with_label(z, label)
    h = layers.Dense(grid[0] * grid[1] * filters[-1], use_bias=False,
                     kernel_initializer=seeds.kernel(), name="dense")(h)
    h = layers.Reshape(grid + (filters[-1],), name="grid")(_norm_act(h, 0, norm, fused=True))
    for i, f in enumerate(reversed(tuple(filters[:-1]))):
        h = _deconv(f, 5, seeds, name=f"deconv_{i}")(h)
        h = _norm_act(h, i + 1, norm, fused=True)
    h = _deconv(channels, 5, seeds, "tanh", name="pixels", image_side=True, dtype=OUTPUT_DTYPE)(h)
    out = layers.Reshape((height * width * channels,), name="to_rows", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, out, name="generator")


def _first_conv_input(image_shape, n_classes, spectral_norm, projection):
    """``(inputs, h, label, label_channels)`` of a conv discriminator or encoder.

    The one-hot labels enter the first convolution as constant channels,
    read by the layer from the labels themselves (``h`` is then
    ``[images, labels]``); Keras's spectral normalisation wraps a layer of
    one input, so there they are label maps; a projection discriminator's
    first convolution reads the images alone.
    """
    inputs, h, label = _image_input(image_shape, n_classes,
                                    label_maps=spectral_norm and not projection)
    if label is None or projection or spectral_norm:
        return inputs, h, label, 0
    return inputs, [h, label], label, int(n_classes)


def build_conv_gan_discriminator(image_shape=(28, 28), filters=(32, 64), seed=None, n_classes=0,
                                 output_activation="sigmoid", spectral_norm=False,
                                 projection=False):
    """Build a DCGAN-style discriminator: strided convolutions down, one sigmoid unit.

    Each entry of ``filters`` is a 5x5 stride-2 convolution with
    LeakyReLU(0.2) (28x28 -> 14x14x32 -> 7x7x64); a dense sigmoid unit reads
    the result. No batch norm: scoring real and generated images in one call
    equals two.

    Parameters
    ----------
    image_shape : tuple of int, default=(28, 28)
        ``(H, W)`` of greyscale or ``(H, W, C)`` of ``C``-channel images,
        ``H`` and ``W`` divisible by ``2 ** len(filters)`` (else a ValueError).
    filters : tuple of int, default=(32, 64)
        Channels of the strided convolutions, input side first.
    seed : int, default=None
        Seed of the weight initializers.
    n_classes : int, default=0
        For a conditional discriminator, the number of classes: the model
        then takes ``[images, labels]``, the one-hot labels broadcast over
        the image as ``n_classes`` extra input channels, or with
        ``projection`` projected on the features (Miyato & Koyama 2018).
    output_activation : str, default="sigmoid"
        Activation of the output unit: ``"sigmoid"`` (a probability) or
        ``"linear"`` (a score, for the hinge and Wasserstein losses).
    spectral_norm : bool, default=False
        Wrap every layer in Keras's ``SpectralNormalization``, its
        power-iteration vectors seeded from ``seed``.
    projection : bool, default=False
        See ``n_classes``.

    Returns
    -------
    discriminator : keras.Model
        Maps ``(batch, H*W)`` images in [-1, 1] to ``(batch, 1)``
        probabilities that each image is real.

    Examples
    --------
    >>> from mnistgen.networks import build_conv_gan_discriminator
    >>> discriminator = build_conv_gan_discriminator(seed=0)
    >>> tuple(discriminator.output.shape)
    (None, 1)
    >>> discriminator.get_layer("conv_1").output.shape[1:]
    (7, 7, 64)
    """
    check_conv_shape(image_shape, filters)
    seeds = _Seeds(seed, "discriminator")
    inputs, h, label, label_channels = _first_conv_input(image_shape, n_classes, spectral_norm,
                                                        projection)
    for i, f in enumerate(filters):
        h = _conv(f, 5, seeds, name=f"conv_{i}", spectral=spectral_norm, image_side=i == 0,
                  label_channels=label_channels)(h)
        h = FusibleLeakyReLU(0.2, name=f"leaky_relu_{i}")(h)
    h = layers.Flatten(name="flatten")(h)
    out = _critic_output(h, label, seeds, output_activation, spectral_norm, projection)
    return _seed_power_iterations(keras.Model(inputs, out, name="discriminator"), seed)
