"""Stride-2 convolutions on few channels, computed as sub-pixel convolutions.

On the CPU, TensorFlow's (oneDNN's) kernel for the gradient of a
convolution with respect to its input, which is also the forward pass of a
transposed convolution, is slow when that input has few channels (the
epoch times with and without these layers are in the benchmarks' speed
notes). Two layers of the convolutional models
have such a side, the one next to the image: the last transposed
convolution of a generator or decoder (32 channels to 1) and the gradient
of a discriminator's first convolution (1 channel to 32).

A conditional discriminator's first convolution also reads the one-hot
labels as constant channels: :class:`SubpixelConv2D` with
``label_channels`` takes ``[images, labels]`` and computes their part with
:func:`label_term` without building those channels.

A transposed convolution with stride 2 is four ordinary stride-1
convolutions, one per output pixel parity, interleaved: the same sums in a
different order (Shi et al. 2016, "Real-time single image and video
super-resolution using an efficient sub-pixel convolutional neural
network"). :func:`conv_transpose` rearranges the kernel into one stride-1
convolution with four times the output channels and interleaves the result
with ``depth_to_space``; a ``(K, K)`` kernel becomes ``(ceil(K/2) + 1)``
square (3x3 for the 5x5 kernels here). The layers below use it for the slow
operation only and TensorFlow's own kernels for the rest, through custom
gradients, so the values and gradients are those of ``keras.layers.Conv2D``
and ``Conv2DTranspose`` to float rounding and the weights are the same
variables, initialised and saved the same way.

Only ``padding="same"``, ``strides=2``, no dilation and ``channels_last``
on inputs of even height and width (what the builders in
:mod:`mnistgen.networks` use) take this path; any other configuration
falls back to the parent layer's computation.
"""
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()

__all__ = ["conv_transpose", "label_term", "SubpixelConv2D", "SubpixelConv2DTranspose"]


def _offsets(kernel_size):
    """Padding TensorFlow's ``"SAME"`` adds before the input of a stride-2 convolution."""
    return (kernel_size - 2) // 2


def _sub_kernel(axis_size):
    """Rearrange one spatial axis of size ``K`` into ``(taps, 2)``: tap offset, parity.

    Returns the number of taps, the zero padding before and after the
    kernel along that axis, and the input padding (before, after).
    """
    before = _offsets(axis_size)
    high = (1 + before) // 2                 # largest input offset a tap reads
    low = -((axis_size - 1 - before) // 2)   # smallest
    taps = high - low + 1
    front = 2 * high - before
    return taps, (front, 2 * taps - axis_size - front), (-low, high)


def conv_transpose(x, kernel):
    """``tf.nn.conv2d_transpose(x, kernel, strides=2, padding="SAME")`` as a sub-pixel convolution.

    Parameters
    ----------
    x : Tensor of shape (batch, H, W, I)
        Input, channels last.
    kernel : Tensor of shape (KH, KW, O, I)
        Kernel in the layout of ``keras.layers.Conv2DTranspose`` (and of
        ``tf.nn.conv2d_transpose``).

    Returns
    -------
    Tensor of shape (batch, 2 H, 2 W, O)
        The transposed convolution: the same values to float rounding.
    """
    kh, kw, out_ch, in_ch = kernel.shape
    th, kpad_h, xpad_h = _sub_kernel(kh)
    tw, kpad_w, xpad_w = _sub_kernel(kw)
    k = tf.pad(kernel, [kpad_h, kpad_w, [0, 0], [0, 0]])
    k = tf.reverse(tf.reshape(k, (th, 2, tw, 2, out_ch, in_ch)), [0, 2])
    k = tf.reshape(tf.transpose(k, (0, 2, 5, 1, 3, 4)), (th, tw, in_ch, 4 * out_ch))
    x = tf.pad(x, [[0, 0], xpad_h, xpad_w, [0, 0]])
    return tf.nn.depth_to_space(tf.nn.conv2d(x, k, 1, "VALID"), 2)


def _filter_gradient(x, kernel_shape, dy):
    return tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=kernel_shape, out_backprop=dy,
                                           strides=[1, 2, 2, 1], padding="SAME")


@tf.custom_gradient
def _conv(x, kernel):
    """Stride-2 ``"SAME"`` convolution whose input gradient is a sub-pixel convolution."""
    def grad(dy):
        return conv_transpose(dy, kernel), _filter_gradient(x, tf.shape(kernel), dy)
    return tf.nn.conv2d(x, kernel, 2, "SAME"), grad


@tf.custom_gradient
def _transpose(x, kernel):
    """Stride-2 ``"SAME"`` transposed convolution computed as a sub-pixel convolution."""
    def grad(dy):
        return tf.nn.conv2d(dy, kernel, 2, "SAME"), _filter_gradient(dy, tf.shape(kernel), x)
    return conv_transpose(x, kernel), grad


def _takes_fast_path(layer, inputs):
    return (layer.padding == "same" and tuple(layer.strides) == (2, 2)
            and all(size is not None and size % 2 == 0 for size in inputs.shape[1:3])
            and tuple(layer.dilation_rate) == (1, 1) and layer.data_format == "channels_last"
            and keras.backend.backend() == "tensorflow")


def _bias_and_activation(layer, outputs):
    """What a Keras convolution layer does after its convolution: add the bias, activate."""
    if layer.use_bias:
        outputs = outputs + layer.bias
    return outputs if layer.activation is None else layer.activation(outputs)


def label_term(labels, kernel, image_size, strides=2):
    """The convolution of one-hot label maps, computed from the labels alone.

    A conditional network broadcasts each image's one-hot label over the
    image as extra channels, constant across it, and convolves them with the
    rest. Their part of the output depends only on the label: for class
    ``c`` it is the convolution of a map of ones with the kernel's channel
    ``c`` (which, with ``"SAME"`` padding, differs at the borders). This
    computes that map once per class and step, a ``(H', W', L, F)`` tensor,
    and picks each row's by a matrix product with its labels, instead of
    convolving ``L`` constant channels for every image.

    Parameters
    ----------
    labels : Tensor of shape (batch, L)
        The one-hot (or any) label vectors.
    kernel : Tensor of shape (KH, KW, L, F)
        The kernel's label channels.
    image_size : tuple of int
        ``(H, W)`` of the image the labels were broadcast over.
    strides : int, default=2

    Returns
    -------
    Tensor of shape (batch, H', W', F)
        The label channels' part of the convolution, ``"SAME"`` padding.
    """
    kh, kw, n_labels, filters = kernel.shape
    ones = tf.ones((1,) + tuple(image_size) + (1,), kernel.dtype)
    per_class = tf.nn.conv2d(ones, tf.reshape(kernel, (kh, kw, 1, n_labels * filters)),
                             strides, "SAME")
    rows, cols = per_class.shape[1:3]
    per_class = tf.reshape(per_class, (rows * cols, n_labels, filters))
    out = tf.einsum("bl,plf->bpf", tf.cast(labels, kernel.dtype), per_class)
    return tf.reshape(out, (-1, rows, cols, filters))


@keras.saving.register_keras_serializable(package="mnistgen")
class SubpixelConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D`` whose input gradient is a sub-pixel convolution.

    The same layer, weights and outputs as ``Conv2D``; for a stride-2
    ``"same"`` convolution the gradient with respect to the input is
    computed by :func:`conv_transpose`, faster on the CPU when the
    input has few channels (a discriminator's first layer).

    Parameters
    ----------
    *args, **kwargs
        Those of ``keras.layers.Conv2D``.
    label_channels : int, default=0
        If positive, the layer is called on ``[images, labels]``: the
        convolution of the images with the one-hot ``(batch,
        label_channels)`` labels broadcast over them as extra channels
        (the kernel's last ``label_channels`` input channels), without
        building those channels: their part is computed by
        :func:`label_term` from the labels alone, the same values to float
        rounding.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from mnistgen._subpixel import SubpixelConv2D
    >>> x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    >>> fast = SubpixelConv2D(8, 5, strides=2, padding="same")
    >>> plain = keras.layers.Conv2D(8, 5, strides=2, padding="same")
    >>> _ = fast(x), plain(x)
    >>> plain.set_weights(fast.get_weights())
    >>> bool(np.allclose(fast(x), plain(x), atol=1e-5))
    True
    """

    def __init__(self, *args, label_channels=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_channels = int(label_channels)
        if self.label_channels:
            self.input_spec = None  # called on [images, labels]

    def get_config(self):
        return {**super().get_config(), "label_channels": self.label_channels}

    def build(self, input_shape):
        if self.label_channels:  # the kernel reads the images' channels, then the labels
            images = tuple(input_shape[0])
            input_shape = images[:-1] + (images[-1] + self.label_channels,)
        super().build(input_shape)
        if self.label_channels:
            self.input_spec = None

    def compute_output_shape(self, input_shape):
        if input_shape and isinstance(input_shape[0], (list, tuple)):  # [images, labels]
            input_shape = input_shape[0]
        return super().compute_output_shape(input_shape)

    def convolution_op(self, inputs, kernel):
        if not _takes_fast_path(self, inputs):
            return super().convolution_op(inputs, kernel)
        return _conv(inputs, tf.convert_to_tensor(kernel))

    def call(self, inputs):
        if not self.label_channels:
            return super().call(inputs)
        images, labels = inputs
        if not _takes_fast_path(self, images):  # Keras's layer on the label maps
            maps = tf.broadcast_to(labels[:, None, None, :],
                                   tf.concat([tf.shape(images)[:3], tf.shape(labels)[1:]], 0))
            return super().call(tf.concat([images, tf.cast(maps, images.dtype)], axis=-1))
        kernel = tf.convert_to_tensor(self.kernel)
        split = kernel.shape[2] - self.label_channels
        return _bias_and_activation(self, _conv(images, kernel[:, :, :split])
                                    + label_term(labels, kernel[:, :, split:], images.shape[1:3]))


@keras.saving.register_keras_serializable(package="mnistgen")
class SubpixelConv2DTranspose(keras.layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose`` computed as a sub-pixel convolution.

    The same layer, weights and outputs as ``Conv2DTranspose``; a stride-2
    ``"same"`` transposed convolution runs as :func:`conv_transpose`,
    faster on the CPU when the output has few channels (the image side of
    a generator or decoder). Its gradients are TensorFlow's own.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from mnistgen._subpixel import SubpixelConv2DTranspose
    >>> x = np.random.default_rng(0).random((2, 14, 14, 8), dtype=np.float32)
    >>> fast = SubpixelConv2DTranspose(1, 5, strides=2, padding="same")
    >>> plain = keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same")
    >>> _ = fast(x), plain(x)
    >>> plain.set_weights(fast.get_weights())
    >>> bool(np.allclose(fast(x), plain(x), atol=1e-5))
    True
    """

    def call(self, inputs):
        if self.output_padding is not None or not _takes_fast_path(self, inputs):
            return super().call(inputs)
        return _bias_and_activation(self, _transpose(inputs, tf.convert_to_tensor(self.kernel)))
