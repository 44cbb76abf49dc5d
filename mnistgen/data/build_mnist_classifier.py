"""Build package data: train the shipped classifiers of :mod:`mnistgen.metrics`.

Usage (from the repository root; MNIST through ``MNISTGEN_MNIST_PATH``,
Fashion-MNIST through ``MNISTGEN_FASHION_MNIST_PATH``, else Keras's
downloader)::

    python -m mnistgen.data.build_mnist_classifier [--dataset mnist] [--epochs 6] [--seed 0]
    python -m mnistgen.data.build_mnist_classifier --dataset fashion-mnist --epochs 10

Trains the network of :func:`mnistgen.metrics.build_classifier` (seeded) on the
60,000 training images, prints the accuracy on the 10,000 test images and
writes the weights as an ``.npz`` of float32 arrays (no pickle) that
:func:`mnistgen.metrics.load_classifier` reads, to the data set's file of
:data:`mnistgen.metrics.SHIPPED_CLASSIFIERS` unless ``--out`` says otherwise,
and prints the time it trained for.
"""
import argparse
import os
import sys
import time

import numpy as np

from mnistgen.datasets import load_fashion_mnist, load_mnist
from mnistgen.metrics import SHIPPED_CLASSIFIERS, build_classifier, save_classifier_weights

LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="mnist")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", default=None, help="default: the shipped file of --dataset")
    args = parser.parse_args(argv)
    args.out = args.out or os.path.relpath(SHIPPED_CLASSIFIERS[args.dataset])
    print("command:", " ".join([os.path.basename(sys.executable)] + sys.argv), flush=True)

    from mnistgen._backend import get_keras

    keras = get_keras()
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = LOADERS[args.dataset]()
    x_train = (x_train.astype(np.float32) / 255.0)[..., None]
    x_test = (x_test.astype(np.float32) / 255.0)[..., None]

    model = build_classifier()
    # Random shifts of up to 2 pixels and small rotations, during training only.
    augment = keras.Sequential(
        [
            keras.layers.RandomTranslation(2 / 28, 2 / 28, fill_mode="constant", seed=args.seed),
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=args.seed + 1),
        ]
    )
    inputs = keras.Input(shape=(28, 28, 1))
    trainer = keras.Model(inputs, model(augment(inputs)))
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    trainer.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, verbose=2)
    elapsed = time.perf_counter() - start
    acc = float(np.mean(model.predict(x_test, batch_size=1000, verbose=0).argmax(1) == y_test))
    acc2k = float(np.mean(model.predict(x_test[:2000], verbose=0).argmax(1) == y_test[:2000]))
    save_classifier_weights(model, args.out)
    size = os.path.getsize(args.out)
    print(
        f"test accuracy {acc:.4f} on {len(x_test)} images ({acc2k:.4f} on the first 2,000); {model.count_params()} "
        f"parameters; wrote {args.out} ({size / 1e6:.2f} MB); trained in {elapsed:.0f} s"
    )


if __name__ == "__main__":
    main()
