"""Pictures: sample grids, loss curves, VAE latent maps and manifolds.

Every function draws on a Matplotlib ``Axes`` (a new figure if none is
given) and returns the figure. Matplotlib is imported only when a function
is called.
"""
import numpy as np

__all__ = ["image_grid", "plot_images", "plot_history", "plot_latent_space", "plot_manifold"]


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def image_grid(images, n_cols=None, pad=1):
    """Tile images into one 2-D array, row by row.

    Parameters
    ----------
    images : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W)
        Images with values in [0, 1]; flat rows must be square images.
    n_cols : int, default=None
        Images per row (default: the ceiling of the square root of ``n``).
    pad : int, default=1
        Pixels of white space between images.

    Returns
    -------
    grid : ndarray of shape (rows * (H + pad) - pad, n_cols * (W + pad) - pad[, C])
        Greyscale images give a 2-D grid, ``C``-channel images a 3-D one.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen.plotting import image_grid
    >>> image_grid(np.zeros((6, 28, 28)), n_cols=3).shape
    (57, 86)
    """
    from ._validation import check_images

    flat, image_shape, _ = check_images(images, what="images")
    h, w = image_shape[:2]
    shape = (h, w) + tuple(image_shape[2:])  # (H, W) or (H, W, C)
    n = flat.shape[0]
    n_cols = int(n_cols) if n_cols else int(np.ceil(np.sqrt(n)))
    if n_cols < 1:
        raise ValueError(f"n_cols must be a positive integer, got {n_cols}.")
    n_rows = int(np.ceil(n / n_cols))
    grid = np.ones((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad) + shape[2:], dtype=np.float32)
    for i, img in enumerate(flat.reshape((n,) + shape)):
        r, c = divmod(i, n_cols)
        grid[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = img
    return grid


def plot_images(images, n_cols=None, ax=None, title=None):
    """Show images as one grid: greyscale as white on black (as MNIST), RGB in colour.

    Parameters
    ----------
    images : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W)
        Images in [0, 1] (uint8 0-255 is scaled), e.g. ``est.sample(64)``.
    n_cols : int, default=None
        Images per row (default: about square).
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure if None.
    title : str, default=None
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen.plotting import plot_images
    >>> fig = plot_images(np.random.default_rng(0).random((16, 28, 28)), title="noise")
    """
    grid = image_grid(images, n_cols, pad=1)
    fig, ax = _axes(ax, (6, 6 * grid.shape[0] / max(grid.shape[1], 1)))
    if grid.ndim == 3 and grid.shape[2] not in (3, 4):
        raise ValueError(
            f"Only greyscale, RGB and RGBA images can be shown; got {grid.shape[2]} channels."
        )
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_history(history, keys=None, ax=None, title=None):
    """Plot per-epoch training curves.

    Parameters
    ----------
    history : dict of list of float, or a fitted estimator
        ``est.history_`` or the estimator itself.
    keys : list of str, default=None
        Which curves to draw (default: all).
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure if None.
    title : str, default=None
        Axes title (default: the estimator's class name, if given one).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from mnistgen.plotting import plot_history
    >>> fig = plot_history({"loss": [300.0, 200.0, 180.0]})
    """
    if title is None and hasattr(history, "history_"):
        title = type(history).__name__
    history = getattr(history, "history_", history)
    if not isinstance(history, dict) or not history:
        raise TypeError("history must be a non-empty dict of per-epoch lists or a fitted estimator.")
    keys = list(history) if keys is None else list(keys)
    unknown = [k for k in keys if k not in history]
    if unknown:
        raise ValueError(f"Unknown history keys {unknown}; available: {sorted(history)}.")
    fig, ax = _axes(ax, (6, 4))
    for key in keys:
        values = history[key]
        ax.plot(np.arange(1, len(values) + 1), values, marker="o" if len(values) < 30 else None, label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_latent_space(vae, X, y=None, ax=None, title="VAE latent means", show_sampler=True):
    """Scatter the latent means of ``X``, coloured by label.

    Parameters
    ----------
    vae : VAEGenerator
        A fitted VAE; the first two latent dimensions are drawn.
    X : array-like
        Images to encode.
    y : array-like of shape (n,), default=None
        Labels for the colours (e.g. the digits). A conditional VAE's
        encoder reads them too, so it needs them.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure if None.
    title : str, default="VAE latent means"
        Axes title.
    show_sampler : bool, default=True
        If the VAE samples through a fitted Gaussian mixture
        (``latent_sampler=GaussianMixture(...)`` or
        ``BayesianGaussianMixture``), draw each component on the map: its
        mean as a cross and its two-standard-deviation ellipse in the first
        two latent dimensions (components of negligible weight, under
        0.1 %, are left out).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> from mnistgen import VAEGenerator
    >>> from mnistgen.plotting import plot_latent_space
    >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
    >>> vae = VAEGenerator(epochs=1, random_state=0,
    ...                    latent_sampler=GaussianMixture(3)).fit(X)
    >>> fig = plot_latent_space(vae, X, y=np.arange(100) % 10)
    >>> len(fig.axes[0].patches)  # one ellipse per mixture component
    3
    """
    Z = vae.transform(X, y)  # a conditional VAE's encoder reads the labels too
    fig, ax = _axes(ax, (6, 5))
    dims = Z[:, :2] if Z.shape[1] >= 2 else np.column_stack([Z[:, 0], np.zeros(len(Z))])
    points = ax.scatter(dims[:, 0], dims[:, 1], c=y, cmap="tab10" if y is not None else None, s=4)
    if y is not None:
        fig.colorbar(points, ax=ax, label="label")
    if show_sampler and Z.shape[1] >= 2:
        for sampler in getattr(vae, "latent_samplers_", []):
            _draw_mixture(ax, sampler)
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title(title)
    return fig


def _draw_mixture(ax, mixture):
    """A fitted Gaussian mixture's components in the first two dimensions."""
    from matplotlib.patches import Ellipse

    if not hasattr(mixture, "means_"):
        return  # not a mixture (a kernel density, say): nothing to draw
    means = mixture.means_[:, :2]
    k, d = mixture.means_.shape
    cov = np.asarray(mixture.covariances_)
    if mixture.covariance_type == "tied":
        cov = np.broadcast_to(cov, (k, d, d))
    elif mixture.covariance_type == "diag":
        cov = np.stack([np.diag(c) for c in cov])
    elif mixture.covariance_type == "spherical":
        cov = np.stack([np.eye(d) * c for c in cov])
    for mean, c, weight in zip(means, cov[:, :2, :2], mixture.weights_):
        if weight < 1e-3:
            continue
        values, vectors = np.linalg.eigh(c)
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
        width, height = 4 * np.sqrt(np.maximum(values[::-1], 0))  # 2 sd each way
        ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, lw=1.5, color="black"))
        ax.plot(*mean, "k+", ms=10, mew=2)


def plot_manifold(vae, n=15, extent=2.0, ax=None, title="Decoded latent grid"):
    """Decode an ``n`` x ``n`` grid of 2-D latent codes and show the images.

    Parameters
    ----------
    vae : VAEGenerator
        A fitted VAE with ``latent_dim=2``.
    n : int, default=15
        Grid points per axis.
    extent : float, default=2.0
        The grid spans ``[-extent, extent]`` on both axes (in standard
        deviations of the prior).
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure if None.
    title : str, default="Decoded latent grid"
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen import VAEGenerator
    >>> from mnistgen.plotting import plot_manifold
    >>> X = np.random.default_rng(0).random((100, 28, 28), dtype=np.float32)
    >>> fig = plot_manifold(VAEGenerator(epochs=1, random_state=0).fit(X), n=5)
    """
    if vae.latent_dim != 2:
        raise ValueError(f"plot_manifold needs a VAE with latent_dim=2, got {vae.latent_dim}.")
    axis = np.linspace(-extent, extent, n)
    zx, zy = np.meshgrid(axis, -axis)  # top row = high z[1]
    images = vae.inverse_transform(np.column_stack([zx.ravel(), zy.ravel()]))
    return plot_images(images, n_cols=n, ax=ax, title=title)
