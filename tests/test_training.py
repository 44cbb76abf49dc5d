"""The input pipeline and trainers of ``mnistgen._training``."""
import numpy as np
import pytest


@pytest.mark.parametrize("n, batch, steps", [(23, 5, 2), (20, 5, 3), (3, 5, 4), (64, 8, 50)])
def test_groups_are_the_plain_shuffled_batches(n, batch, steps):
    """Grouping mini-batches changes neither the batches nor their order."""
    import tensorflow as tf

    from mnistgen._training import make_dataset

    X = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    grouped = [g.numpy() for g in make_dataset(X, batch, seed=7, steps_per_call=steps)]
    plain = [
        b.numpy()
        for b in tf.data.Dataset.range(n).shuffle(n, seed=7).batch(batch)
    ]
    assert all(g.ndim == 3 and g.shape[0] <= steps for g in grouped)
    batches = [b[:, 0].astype(int) for g in grouped for b in g]
    assert len(batches) == len(plain)
    for got, want in zip(batches, plain):
        np.testing.assert_array_equal(got, want)
    assert sorted(np.concatenate(batches)) == list(range(n))


def test_grouped_steps_train_like_single_steps(images, monkeypatch):
    """One compiled call over k mini-batches = k calls of one mini-batch."""
    import mnistgen._training as training
    from mnistgen import VAEGenerator

    params = dict(hidden_units=(16,), epochs=2, batch_size=16, random_state=3)
    grouped = VAEGenerator(**params).fit(images)
    monkeypatch.setattr(training, "STEPS_PER_CALL", 1)
    single = VAEGenerator(**params).fit(images)
    for a, b in zip(grouped.encoder_.get_weights() + grouped.decoder_.get_weights(),
                    single.encoder_.get_weights() + single.decoder_.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grouped.history_["loss"], single.history_["loss"], rtol=1e-5)
