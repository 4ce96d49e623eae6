"""The Train tab's datasets: generated or shipped with scikit-learn, never downloaded.

Data generation and the train/validation split use a fixed seed (config.DATA_SEED)
so that runs with the same dataset settings see exactly the same points and differ
only by the model's own seed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core import config, validate


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray          # float32, standardized with the training split's mean and std
    y_train: np.ndarray          # int64 class ids
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int
    class_names: tuple[str, ...]
    mean: np.ndarray             # per-feature statistics used for standardizing
    std: np.ndarray
    raw_val: np.ndarray          # validation points in their original units, for plots
    identity: str = ""           # what makes two datasets the same (runs can only be fused on one)
    image_shape: tuple[int, int] | None = None   # (rows, columns) when each example is an image
    feature_names: tuple[str, ...] = ()

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def is_2d(self) -> bool:
        return self.n_features == 2

    def standardize(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32)


DESCRIPTIONS = {
    "moons": "Two interleaving half circles (2 features, 2 classes): needs a curved boundary.",
    "circles": "A ring around a disc (2 features, 2 classes): no straight line separates them.",
    "classification": "scikit-learn's make_classification (10 features, 2 classes), the tutorial's set-up.",
    "digits": "8x8 handwritten digits shipped with scikit-learn (64 features, 10 classes, 1797 images).",
}


def make_dataset(name: str, n_samples: int = 1000, noise: float = 0.2) -> Dataset:
    """The named dataset, validated, split and standardized (cached: arrays are read-only)."""
    name = validate.choice(name, config.DATASETS, "Dataset")
    n_samples = validate.number(n_samples, config.TRAIN_SAMPLES)
    noise = validate.number(noise, config.TRAIN_NOISE)
    if name == "digits":            # fixed size and no noise knob: normalize the key
        n_samples, noise = 0, 0.0
    return _build(name, n_samples, noise)


@functools.lru_cache(maxsize=16)
def _build(name: str, n_samples: int, noise: float) -> Dataset:
    from sklearn import datasets as skd
    from sklearn.model_selection import train_test_split

    seed = config.DATA_SEED
    if name == "moons":
        x, y = skd.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
        class_names = ("0", "1")
    elif name == "circles":
        x, y = skd.make_circles(n_samples=n_samples, noise=noise * 0.5, factor=0.5, random_state=seed)
        class_names = ("outer", "inner")
    elif name == "classification":
        x, y = skd.make_classification(
            n_samples=n_samples, n_features=10, n_informative=5, n_redundant=2,
            n_classes=2, flip_y=noise * 0.5, random_state=seed,
        )
        class_names = ("0", "1")
    else:
        digits = skd.load_digits()
        x, y = digits.data / 16.0, digits.target
        class_names = tuple(str(d) for d in range(10))

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    x_tr, x_va, y_tr, y_va = train_test_split(
        x, y, test_size=config.VALIDATION_FRACTION, random_state=seed, stratify=y
    )
    mean = x_tr.mean(axis=0)
    std = x_tr.std(axis=0)
    std[std < 1e-8] = 1.0          # constant pixels in digits stay at zero
    arrays = dict(
        x_train=((x_tr - mean) / std).astype(np.float32), y_train=y_tr,
        x_val=((x_va - mean) / std).astype(np.float32), y_val=y_va,
        mean=mean, std=std, raw_val=x_va,
    )
    for a in arrays.values():
        a.setflags(write=False)
    identity = "digits" if name == "digits" else f"{name}(n={n_samples}, noise={noise:g})"
    return Dataset(name=name, n_classes=len(class_names), class_names=class_names, identity=identity,
                   image_shape=(8, 8) if name == "digits" else None,
                   feature_names=tuple(f"x{i + 1}" for i in range(x.shape[1])), **arrays)
