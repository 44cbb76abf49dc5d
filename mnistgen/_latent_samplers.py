"""Ex-post latent samplers of the VAE: a density fitted on the training latents.

Instead of the prior N(0, I), :meth:`VAEGenerator.sample` can draw latent
codes from a scikit-learn density estimator (anything with ``fit`` and
``sample``: ``GaussianMixture``, ``BayesianGaussianMixture``,
``KernelDensity``) fitted on the latent means of the training images at the
end of ``fit``, as pythae and Ghosh et al. (2020) do. A conditional VAE gets
one sampler per class, fitted on that class's latents: sampling a chosen
digit needs p(z | y), which one density over all classes cannot give.

A sampler left with ``random_state=None`` is given a seed drawn from the
estimator's, so that fitting it again on the same latents gives the same
density: that is how a saved model restores it without pickle (the file
keeps the sampler's class, among :data:`SAFE`, its parameters and the
latents it was fitted on).
"""
import importlib
import inspect

import numpy as np
from sklearn.base import clone

__all__ = ["SAFE", "draw", "fit_samplers", "from_state", "to_state"]

#: Sampler classes a model file may name, as (module, class).
SAFE = {
    ("sklearn.mixture._gaussian_mixture", "GaussianMixture"),
    ("sklearn.mixture._bayesian_mixture", "BayesianGaussianMixture"),
    ("sklearn.neighbors._kde", "KernelDensity"),
}


def fit_samplers(template, Z, classes, seed, n_classes=0):
    """Clones of ``template`` fitted on ``Z``: one, or one per class index
    ``0 .. n_classes - 1`` on the rows whose ``classes`` entry it is."""
    groups = [None] if classes is None else range(n_classes)
    samplers = []
    for i, group in enumerate(groups):
        sampler = clone(template)
        if "random_state" in sampler.get_params() and sampler.get_params()["random_state"] is None:
            sampler.set_params(random_state=int(seed) + i)
        rows = np.asarray(Z if group is None else Z[classes == group], dtype=np.float64)
        try:
            samplers.append(sampler.fit(rows))
        except ValueError as exc:
            what = "the training latents" if group is None else f"the latents of class index {group}"
            raise ValueError(f"latent_sampler could not be fitted on {what} "
                             f"({len(rows)} rows): {exc}") from exc
    return samplers


def draw(samplers, n_samples, classes, rng):
    """``n_samples`` latent codes, from the sampler of each row's class index."""
    out = None
    groups = [None] if classes is None else range(len(samplers))
    for group in groups:
        rows = np.arange(n_samples) if group is None else np.flatnonzero(classes == group)
        if len(rows) == 0:
            continue
        z = _sample(samplers[0 if group is None else group], len(rows), rng)
        if out is None:
            out = np.empty((n_samples, z.shape[1]), dtype=np.float32)
        out[rows] = z
    return out


def _sample(sampler, n, rng):
    """``n`` draws of a fitted sampler, seeded from ``rng``, in random order."""
    seed = int(rng.randint(0, 2**31 - 1))
    if "random_state" in inspect.signature(sampler.sample).parameters:
        z = sampler.sample(n, random_state=seed)
    else:
        sampler.set_params(random_state=seed)
        z = sampler.sample(n)
    z = np.asarray(z[0] if isinstance(z, tuple) else z, dtype=np.float32)
    return z[np.random.RandomState(seed).permutation(n)]  # mixtures return z by component


def to_state(template, Z, classes, seed, n_classes=0):
    """JSON-able description and arrays that :func:`from_state` refits from."""
    cls = type(template)
    if (cls.__module__, cls.__name__) not in SAFE:
        raise TypeError(
            f"latent_sampler={cls.__name__} cannot be saved without pickle: save() "
            f"restores only {sorted(name for _, name in SAFE)}. Pickle the estimator instead."
        )
    params = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
              for k, v in template.get_params(deep=False).items()}
    arrays = {"latents": Z} if classes is None else {"latents": Z, "classes": classes}
    return {"module": cls.__module__, "class": cls.__name__, "params": params,
            "seed": int(seed), "n_classes": n_classes}, arrays


def from_state(meta, arrays):
    """The template and fitted samplers of :func:`to_state`'s output."""
    if (meta["module"], meta["class"]) not in SAFE:
        raise ValueError(f"unknown latent sampler {meta['module']}.{meta['class']}")
    cls = getattr(importlib.import_module(meta["module"]), meta["class"])
    template = cls(**meta["params"])
    samplers = fit_samplers(template, arrays["latents"], arrays.get("classes"), meta["seed"],
                            int(meta["n_classes"]))
    return template, samplers
