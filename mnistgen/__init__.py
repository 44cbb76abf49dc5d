"""mnistgen: the GAN and VAE of an MNIST course report as scikit-learn estimators.

>>> from mnistgen import VAEGenerator, GANGenerator

TensorFlow is imported only when a model is first built or loaded, so
``import mnistgen`` stays quick.
"""
from ._version import __version__
from .gan import GANGenerator
from .persistence import load
from .vae import VAEGenerator

__all__ = ["VAEGenerator", "GANGenerator", "load", "__version__"]
