"""Pictures: grids, curves, latent maps return figures with the right content."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from mnistgen.plotting import image_grid, plot_history, plot_images, plot_latent_space, plot_manifold


def test_image_grid_places_images():
    imgs = np.stack([np.full((3, 3), i / 5) for i in range(5)])
    grid = image_grid(imgs, n_cols=2, pad=1)
    assert grid.shape == (3 * 4 - 1, 2 * 4 - 1)
    assert grid[0, 0] == 0.0 and grid[0, 4] == pytest.approx(0.2) and grid[8, 0] == pytest.approx(0.8)
    assert grid[8, 4] == 1.0  # empty slot stays white


def test_plots_return_figures(fitted_vae, fitted_gan, images):
    assert plot_images(fitted_gan.sample(9)).axes
    fig = plot_history(fitted_gan)
    assert [l.get_label() for l in fig.axes[0].get_lines()] == ["d_loss", "g_loss", "d_real", "d_fake"]
    assert fig.axes[0].get_title() == "GANGenerator"
    assert plot_latent_space(fitted_vae, images, y=np.arange(len(images)) % 10).axes
    assert plot_manifold(fitted_vae, n=4).axes


def test_plot_errors(fitted_vae):
    with pytest.raises(ValueError, match="Unknown history keys"):
        plot_history(fitted_vae, keys=["nope"])
    with pytest.raises(TypeError):
        plot_history([1, 2, 3])
    from sklearn.base import clone

    with pytest.raises(ValueError, match="latent_dim=2"):
        plot_manifold(clone(fitted_vae).set_params(latent_dim=3).fit(np.zeros((10, 8, 8))), n=3)


def test_latent_space_of_a_conditional_vae(images):
    """A conditional VAE's encoder needs the labels: the plot passes them on."""
    from mnistgen import VAEGenerator
    from mnistgen.plotting import plot_latent_space

    y = np.arange(len(images)) % 3
    cvae = VAEGenerator(hidden_units=(16,), epochs=1, conditional=True, random_state=0).fit(images, y)
    fig = plot_latent_space(cvae, images, y=y)
    points = fig.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(points, cvae.transform(images, y)[:, :2], rtol=1e-6)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_latent_map_draws_the_mixture_components(fitted_vae, images, covariance_type):
    """Each component of a fitted GaussianMixture sampler is a cross at its mean and a
    two-standard-deviation ellipse; without a sampler, or with show_sampler=False, none."""
    from sklearn.base import clone
    from sklearn.mixture import GaussianMixture

    assert not plot_latent_space(fitted_vae, images).axes[0].patches
    vae = clone(fitted_vae).set_params(
        latent_sampler=GaussianMixture(3, covariance_type=covariance_type, random_state=0)).fit(images)
    (mixture,) = vae.latent_samplers_
    ax = plot_latent_space(vae, images).axes[0]
    assert len(ax.patches) == 3
    np.testing.assert_allclose([p.center for p in ax.patches], mixture.means_[:, :2], rtol=1e-6)
    crosses = [line.get_xydata()[0] for line in ax.get_lines()]
    np.testing.assert_allclose(crosses, mixture.means_[:, :2], rtol=1e-6)
    if covariance_type == "spherical":  # circles of radius 2 sd
        np.testing.assert_allclose([p.width for p in ax.patches], 4 * np.sqrt(mixture.covariances_),
                                   rtol=1e-5)
    assert not plot_latent_space(vae, images, show_sampler=False).axes[0].patches
