"""Loading data: MNIST and Fashion-MNIST (offline when a local copy is named), your own images.

* :func:`load_mnist`, :func:`load_fashion_mnist` -- the two data sets of
  Keras's downloader, as ``(x_train, y_train), (x_test, y_test)``, or from a
  local copy named by an argument or an environment variable;
* :func:`load_images` -- your own images: a folder of image files (one
  sub-folder per class, read by ``keras.utils.image_dataset_from_directory``),
  or an ``.npy``/``.npz`` file with arrays of any name.
"""
import gzip
import os

import numpy as np

__all__ = ["load_mnist", "load_fashion_mnist", "load_images", "MNIST_PATH_ENV",
           "FASHION_MNIST_PATH_ENV"]

#: Environment variable naming a local ``mnist.npz`` (Keras's format).
MNIST_PATH_ENV = "MNISTGEN_MNIST_PATH"
#: Environment variable naming a local Fashion-MNIST: a Keras-format ``.npz``
#: or a folder of the four ``*-idx*-ubyte.gz`` files.
FASHION_MNIST_PATH_ENV = "MNISTGEN_FASHION_MNIST_PATH"
#: The files of Fashion-MNIST, as Keras's downloader and Debian's
#: ``dataset-fashion-mnist`` package store them.
FASHION_MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                       "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
#: Fashion-MNIST's ten classes, in label order.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
#: Image file extensions :func:`load_images` reads in a folder.
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")

_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _read_npz(path, name="MNIST", env=MNIST_PATH_ENV):
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{name} file not found: {path!r}. Pass the path of a Keras-format "
            f"{name} .npz, set {env}, or leave both unset to download "
            "through Keras."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            files = list(npz.files)
            arrays = {k: npz[k] for k in _KEYS if k in files}
    except Exception as exc:
        raise ValueError(
            f"{path!r} is not a readable Keras-format {name} .npz file: {exc}"
        ) from exc
    missing = [k for k in _KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"{path!r} is not a Keras-format {name} file: it lacks {missing} "
            f"(expected arrays {list(_KEYS)})."
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.dtype != np.uint8:
            raise ValueError(
                f"{path!r}: x_{split} must be uint8 images of shape (n, H, W), "
                f"got dtype {x.dtype} and shape {x.shape}."
            )
        if y.ndim != 1 or len(y) != len(x) or y.dtype.kind not in "iu":
            raise ValueError(
                f"{path!r}: y_{split} must be {len(x)} integer labels, got dtype "
                f"{y.dtype} and shape {y.shape}."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist(path=None):
    """Load MNIST as uint8 arrays.

    The file is taken from ``path`` if given, else from the environment
    variable ``MNISTGEN_MNIST_PATH`` if set, else through Keras's own
    downloader and cache (``keras.datasets.mnist.load_data``), as on any
    machine with internet access.

    Parameters
    ----------
    path : str or path-like, default=None
        A Keras-format ``mnist.npz`` holding ``x_train``, ``y_train``,
        ``x_test`` and ``y_test``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuple of ndarray
        Images of shape ``(n, 28, 28)``, dtype uint8, and labels 0-9.

    Raises
    ------
    FileNotFoundError
        If the named file does not exist.
    ValueError
        If the file is not a Keras-format MNIST ``.npz``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype, x_test.shape
    ((60000, 28, 28), dtype('uint8'), (10000, 28, 28))
    """
    if path is None:
        path = os.environ.get(MNIST_PATH_ENV) or None
    if path is not None:
        return _read_npz(os.fspath(path))
    from ._backend import get_keras

    (x_train, y_train), (x_test, y_test) = get_keras().datasets.mnist.load_data()
    return (x_train, y_train), (x_test, y_test)


def _read_idx_folder(path):
    """Fashion-MNIST from a folder of its four gzip-compressed IDX files."""
    missing = [f for f in FASHION_MNIST_FILES if not os.path.isfile(os.path.join(path, f))]
    if missing:
        raise ValueError(
            f"{path!r} is not a Fashion-MNIST folder: it lacks {missing} (expected the "
            f"four files {list(FASHION_MNIST_FILES)}, as Keras's downloader stores them)."
        )
    arrays = []
    for fname in FASHION_MNIST_FILES:
        offset = 16 if "images" in fname else 8
        with gzip.open(os.path.join(path, fname), "rb") as fh:
            arrays.append(np.frombuffer(fh.read(), np.uint8, offset=offset))
    x_train, y_train, x_test, y_test = arrays
    return ((x_train.reshape(len(y_train), 28, 28), y_train),
            (x_test.reshape(len(y_test), 28, 28), y_test))


def load_fashion_mnist(path=None):
    """Load Fashion-MNIST (Zalando's 28x28 greyscale clothes) as uint8 arrays.

    The same format as :func:`load_mnist`: 60,000 training and 10,000 test
    images of ten classes (:data:`FASHION_MNIST_CLASSES`). The data come from
    ``path`` if given, else from the environment variable
    ``MNISTGEN_FASHION_MNIST_PATH`` if set, else through Keras's downloader
    (``keras.datasets.fashion_mnist.load_data``).

    Parameters
    ----------
    path : str or path-like, default=None
        A Keras-format ``.npz`` (``x_train``, ``y_train``, ``x_test``,
        ``y_test``) or a folder holding the four ``*-idx*-ubyte.gz`` files of
        :data:`FASHION_MNIST_FILES` (Keras's cache folder
        ``~/.keras/datasets/fashion-mnist``, or
        ``/usr/share/datasets/fashion-mnist`` of Debian's
        ``dataset-fashion-mnist`` package).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuple of ndarray
        60,000 and 10,000 uint8 images of 28x28 pixels, with their class
        indices into :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    FileNotFoundError, ValueError
        If the named file or folder does not exist, or does not hold
        Fashion-MNIST in one of the two formats.

    Examples
    --------
    >>> from mnistgen.datasets import load_fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000, 28, 28))
    """
    if path is None:
        path = os.environ.get(FASHION_MNIST_PATH_ENV) or None
    if path is not None:
        path = os.fspath(path)
        if os.path.isdir(path):
            return _read_idx_folder(path)
        return _read_npz(path, "Fashion-MNIST", FASHION_MNIST_PATH_ENV)
    from ._backend import get_keras

    return get_keras().datasets.fashion_mnist.load_data()


def load_images(path, *, images_key=None, labels_key=None, image_size=None, color_mode=None):
    """Load your own images from a folder or an ``.npy``/``.npz`` file.

    * A **folder**: its image files (``.png``, ``.jpg``, ``.bmp``, ``.gif``)
      in file-name order, read by ``keras.utils.image_dataset_from_directory``;
      each sub-folder, if any, is a class (labels: the sorted sub-folder
      index). Images are resized to ``image_size`` (default: the first's).
    * An **.npy** file: one array of images, no labels.
    * An **.npz** file: the images are ``images_key``, else ``x_train``, else
      the only array of 2 or more dimensions; the labels ``labels_key``,
      else ``y_train``, else the only 1-D array of the same length, if any.

    Images come back as the estimators take them: ``(n, H, W)`` greyscale
    or ``(n, H, W, 3)`` RGB, uint8 (arrays keep their own numeric dtype).

    Parameters
    ----------
    path : str or path-like
        The folder or file.
    images_key, labels_key : str, default=None
        Array names in an ``.npz`` file.
    image_size : tuple of (int, int), default=None
        ``(height, width)`` to resize a folder's images to.
    color_mode : {"grayscale", "rgb"}, default=None
        For a folder: read the images as greyscale or RGB (default: as the
        first image in file-name order is; the others are converted to it).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (the images), ``target`` (int64 labels, or None) and
        ``target_names`` (class names of a folder's sub-folders, or None).

    Raises
    ------
    FileNotFoundError, ValueError
        If ``path`` does not exist; if it holds no images, or the arrays
        named are missing or not images.

    Examples
    --------
    >>> import os, tempfile
    >>> from mnistgen.datasets import load_images
    >>> path = os.path.join(tempfile.mkdtemp(), "digits.npz")
    >>> np.savez(path, pictures=np.zeros((5, 16, 16), np.uint8), kind=np.arange(5))
    >>> data = load_images(path)
    >>> data.data.shape, data.target.tolist()
    ((5, 16, 16), [0, 1, 2, 3, 4])
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file or folder: {path!r}.")
    if os.path.isdir(path):
        return _read_folder(path, image_size, color_mode)
    if path.endswith(".npy"):
        return _bunch(_images_array(np.load(path, allow_pickle=False), path), None, None)
    if path.endswith(".npz"):
        return _read_any_npz(path, images_key, labels_key)
    raise ValueError(f"Cannot read {path!r}: expected a folder of images, an .npy or an .npz file.")


def _bunch(data, target, target_names):
    from sklearn.utils import Bunch

    return Bunch(data=data, target=target, target_names=target_names)


def _images_array(arr, where):
    if arr.ndim < 2 or arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{where}: expected an array of numeric images of shape (n, H, W), "
            f"(n, H, W, C) or (n, H*W), got dtype {arr.dtype} and shape {arr.shape}."
        )
    return arr


def _pick(npz, key, default, want, path):
    """The array named ``key`` (or ``default``, or the only one that ``want``s)."""
    if key is not None:
        if key not in npz.files:
            raise ValueError(f"{path!r} has no array {key!r}; its arrays are {list(npz.files)}.")
        return key
    if default in npz.files:
        return default
    found = [k for k in npz.files if want(npz[k])]
    return found[0] if len(found) == 1 else None


def _read_any_npz(path, images_key, labels_key):
    with np.load(path, allow_pickle=False) as npz:
        key = _pick(npz, images_key, "x_train", lambda a: a.ndim > 1, path)
        if key is None:
            raise ValueError(
                f"Cannot tell which array of {path!r} holds the images (arrays: "
                f"{list(npz.files)}): name it with images_key (--images-key)."
            )
        X = _images_array(npz[key], f"{path!r}[{key!r}]")
        label_key = _pick(npz, labels_key, "y_train" if key == "x_train" else None,
                          lambda a: a.ndim == 1 and len(a) == len(X), path)
        y = None if label_key is None else np.asarray(npz[label_key])
    if y is not None and (y.ndim != 1 or len(y) != len(X)):
        raise ValueError(
            f"{path!r}: labels {label_key!r} must be {len(X)} values, one per image, "
            f"got shape {y.shape}."
        )
    return _bunch(X, y, None)


def _read_folder(path, image_size, color_mode):
    from ._backend import get_keras

    keras = get_keras()
    files = sorted(
        os.path.join(root, f) for root, _, names in os.walk(path) for f in names
        if f.lower().endswith(IMAGE_EXTENSIONS)
    )
    if not files:
        raise ValueError(
            f"No images found in {path!r} (looked for {', '.join(IMAGE_EXTENSIONS)} files)."
        )
    from PIL import Image  # Keras's own image reader needs Pillow

    with Image.open(files[0]) as first:
        first.load()
    if color_mode is None:
        color_mode = "grayscale" if first.mode in ("L", "1", "I;16") else "rgb"
    if image_size is None:
        image_size = (first.height, first.width)
    classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    dataset = keras.utils.image_dataset_from_directory(
        path, labels="inferred" if classes else None, label_mode="int",
        color_mode=color_mode, image_size=tuple(int(s) for s in image_size),
        batch_size=None, shuffle=False, verbose=False,
    )
    images, labels = [], []
    for element in dataset.as_numpy_iterator():
        image, label = element if classes else (element, None)
        images.append(image)
        labels.append(label)
    X = np.clip(np.rint(np.stack(images)), 0, 255).astype(np.uint8)
    if X.shape[-1] == 1:
        X = X[..., 0]
    y = np.asarray(labels, dtype=np.int64) if classes else None
    return _bunch(X, y, classes or None)
