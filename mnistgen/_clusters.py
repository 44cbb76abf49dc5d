"""Clusters of unlabelled images, for a self-conditioned GAN.

Self-conditioning (Liu et al. 2020, "Diverse image generation via
self-conditioned GANs") trains a class-conditional GAN on labels that come
from the images themselves: here k-means on the leading principal
components of the pixels. ``sample`` then draws cluster ids in their
training proportions, so that every cluster (every mode of the data that
the clustering separates) keeps its share of the samples.

The clustering is plain NumPy and scikit-learn, seeded from the estimator's
seed, and kept as three arrays (the PCA mean and components, the cluster
centres) so that ``partial_fit`` assigns new images to the same clusters
and a saved model carries them.
"""
import numpy as np

__all__ = ["COMPONENTS", "Clusters"]

#: Principal components the images are clustered on (fewer if the images
#: have fewer pixels or there are fewer images).
COMPONENTS = 50


class Clusters:
    """A PCA projection and k-means centres: which cluster an image is in.

    Parameters
    ----------
    mean : ndarray of shape (n_features,)
        The training images' mean pixel row.
    components : ndarray of shape (n_components, n_features)
        Principal axes of the pixel rows.
    centers : ndarray of shape (n_clusters, n_components)
        k-means centres in the projected space.
    """

    def __init__(self, mean, components, centers):
        self.mean = np.asarray(mean, dtype=np.float32)
        self.components = np.asarray(components, dtype=np.float32)
        self.centers = np.asarray(centers, dtype=np.float32)

    @classmethod
    def fit(cls, X, n_clusters, seed):
        """Cluster the pixel rows ``X`` into ``n_clusters``; return ``(clusters, ids)``."""
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA

        if n_clusters > X.shape[0]:
            raise ValueError(
                f"self_conditioning={n_clusters} asks for more clusters than there "
                f"are training images ({X.shape[0]})."
            )
        n_components = min(COMPONENTS, X.shape[0], X.shape[1])
        pca = PCA(n_components=n_components, random_state=seed).fit(X)
        features = pca.transform(X).astype(np.float32)
        kmeans = KMeans(n_clusters=n_clusters, n_init=3, random_state=seed).fit(features)
        clusters = cls(pca.mean_, pca.components_, kmeans.cluster_centers_)
        return clusters, clusters.assign(X)

    def assign(self, X, chunk=16384):
        """The index of the nearest centre of each row of ``X``."""
        out = np.empty(X.shape[0], dtype=np.int64)
        sq_centers = np.sum(self.centers**2, axis=1)
        for start in range(0, X.shape[0], chunk):
            f = (X[start:start + chunk] - self.mean) @ self.components.T
            out[start:start + chunk] = np.argmin(sq_centers - 2.0 * f @ self.centers.T, axis=1)
        return out

    def state(self):
        """The arrays that describe the clusters, by name (for saving)."""
        return {"cluster_mean": self.mean, "cluster_components": self.components,
                "cluster_centers": self.centers}

    @classmethod
    def from_state(cls, arrays):
        """The clusters :meth:`state` described."""
        return cls(arrays["cluster_mean"], arrays["cluster_components"],
                   arrays["cluster_centers"])
