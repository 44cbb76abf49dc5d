"""The architectures by name: what ``architecture="mlp"`` or ``"conv"`` decides.

As scikit-learn's ``ACTIVATIONS`` in its multilayer perceptron: an
estimator's ``architecture`` is looked up once in :data:`ARCHITECTURES`,
and every module that needs a choice reads a field of the entry instead of
comparing the name. The layers themselves are built by
:mod:`mnistgen.networks`; the estimators pick the builders by
:attr:`Architecture.images_as_grids`.
"""
import dataclasses

__all__ = ["Architecture", "ARCHITECTURES", "get_architecture"]


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What one architecture sets beside its layers.

    Parameters
    ----------
    images_as_grids : bool
        The networks see images as grids of pixels (convolutions, whose
        strides the image size must suit); else as flat rows.
    jit_option : str
        The field of :class:`~mnistgen._compilation.CompileOptions` that says
        whether its trainers are XLA-compiled on one device.
    fused_adam : bool
        Adam through TensorFlow's fused kernel
        (:class:`~mnistgen._optimizers.FusedAdam`) instead of Keras's ``Adam``.
    shares_discriminator_call : bool
        The GAN's step scores the generated batch with one discriminator
        call for both updates (:class:`~mnistgen._gan_trainer.GANTrainer`).
    """

    images_as_grids: bool
    jit_option: str
    fused_adam: bool
    shares_discriminator_call: bool


#: The architectures by name. ``"mlp"``: the report's dense networks,
#: XLA-compiled, trained as the report trains them, to the bit (Keras's
#: ``Adam``, the report's two discriminator calls). ``"conv"``: the
#: convolutional networks, compiled without XLA (whose convolutions are
#: slower than oneDNN's on a CPU: ``benchmarks/bench_conv_xla.py``), with the
#: fused Adam and one discriminator call on the generated batch.
ARCHITECTURES = {
    "mlp": Architecture(images_as_grids=False, jit_option="jit_compile", fused_adam=False,
                        shares_discriminator_call=False),
    "conv": Architecture(images_as_grids=True, jit_option="conv_jit_compile", fused_adam=True,
                         shares_discriminator_call=True),
}


def get_architecture(name):
    """The :class:`Architecture` named ``name`` (a validated parameter)."""
    return ARCHITECTURES[name]
