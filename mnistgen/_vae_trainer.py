"""The VAE's training step: the negative ELBO of the report, one update a batch.

Loss per batch: the mean over images of binary cross-entropy summed over
pixels plus ``beta`` times KL(q(z|x) || N(0, I)); ``beta=1`` is the report's
loss. The reparameterisation noise ``eps`` comes with each row from the
input pipeline. A conditional VAE hands the one-hot labels to both networks.
"""
from ._backend import get_keras, get_tensorflow
from ._distribute import batch_mean
from ._trainer import Trainer
from .networks import call

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["VAETrainer", "vae_terms"]


def vae_terms(x, encoder, decoder, eps, training=False, labels=None):
    """Per-image VAE loss terms for noise ``eps``.

    Returns ``(reconstruction, kl)``: binary cross-entropy summed over
    pixels, and KL(q(z|x) || N(0, I)), each of shape ``(batch,)``, in nats.
    """
    z_mean, z_log_var = call(encoder, x, labels, training)
    z = z_mean + ops.exp(0.5 * z_log_var) * eps
    recon = call(decoder, z, labels, training)
    reconstruction = ops.sum(ops.binary_crossentropy(x, recon), axis=-1)
    kl = -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
    return reconstruction, kl


class VAETrainer(Trainer):
    """Trains an encoder/decoder pair on the negative ELBO (the report's loss)."""

    log_names = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(self, encoder, decoder, latent_dim, beta=1.0, n_classes=0, **kwargs):
        super().__init__(latent_dim, n_classes, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)

    def train_batch(self, x, labels, eps):
        with tf.GradientTape() as tape:
            reconstruction, kl = vae_terms(
                x, self.encoder, self.decoder, eps, training=True, labels=labels
            )
            # beta == 1 adds the KL term as is: the report's computation, unchanged
            total = reconstruction + (kl if self.beta == 1.0 else self.beta * kl)
            loss, _ = batch_mean(total)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return total, reconstruction, kl
