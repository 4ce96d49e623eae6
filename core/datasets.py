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


def make_dataset(name: str, n_samples: int = 1000, noise: float = 0.2) -> Dataset:
    """The named dataset, validated, split and standardized (cached: arrays are read-only)."""
    name = validate.choice(name, config.DATASETS, "Dataset")
    n_samples = validate.number(n_samples, config.TRAIN_SAMPLES)
    noise = validate.number(noise, config.TRAIN_NOISE)
    if name == "digits":            # fixed size and no noise knob: normalize the key
        n_samples, noise = 0, 0.0
    return _build(name, n_samples, noise)


def split_and_standardize(x: np.ndarray, y: np.ndarray) -> dict:
    """The fixed, stratified train/validation split, standardized with the training split's statistics.

    Returns the Dataset's array fields, made read-only (datasets are cached and shared).
    """
    from sklearn.model_selection import train_test_split

    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=config.VALIDATION_FRACTION,
                                              random_state=config.DATA_SEED, stratify=y)
    mean = x_tr.mean(axis=0)
    std = x_tr.std(axis=0)
    std[std < 1e-8] = 1.0          # constant columns (the digits' border pixels) stay at zero
    arrays = dict(
        x_train=((x_tr - mean) / std).astype(np.float32), y_train=y_tr,
        x_val=((x_va - mean) / std).astype(np.float32), y_val=y_va,
        mean=mean, std=std, raw_val=x_va,
    )
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


@functools.lru_cache(maxsize=16)
def _build(name: str, n_samples: int, noise: float) -> Dataset:
    from sklearn import datasets as skd

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

    arrays = split_and_standardize(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64))
    identity = "digits" if name == "digits" else f"{name}(n={n_samples}, noise={noise:g})"
    return Dataset(name=name, n_classes=len(class_names), class_names=class_names, identity=identity,
                   image_shape=(8, 8) if name == "digits" else None,
                   feature_names=tuple(f"x{i + 1}" for i in range(x.shape[1])), **arrays)


# --- Your own data: a CSV file --------------------------------------------------------

MISSING = {"", "na", "nan", "null", "none", "?"}


def read_csv_table(path) -> tuple[list[str], list[list[str]], str]:
    """(header, rows, digest) of a CSV file, after the size, encoding and shape checks."""
    import csv
    import hashlib
    import os

    from core.errors import InvalidInput, ResourceLimit

    label = "CSV file"
    if path is None or not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise InvalidInput(label, "csv_missing")
    size = os.path.getsize(path)
    if size > config.CSV_MAX_BYTES:
        raise ResourceLimit("csv_too_big", size=f"{size / 1e6:.1f}", max=f"{config.CSV_MAX_BYTES / 1e6:.0f}")
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(label, "csv_not_text") from None
    if "\x00" in text:
        raise InvalidInput(label, "csv_not_text")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InvalidInput(label, "csv_empty")
    header = [h.strip() for h in rows[0]]
    if any(not h for h in header) or len(set(header)) != len(header):
        raise InvalidInput(label, "csv_header")
    data = rows[1:]
    if len(data) > config.CSV_MAX_ROWS:
        raise ResourceLimit("csv_too_many_rows", rows=f"{len(data):,}", max=f"{config.CSV_MAX_ROWS:,}")
    if len(header) - 1 > config.CSV_MAX_FEATURES:
        raise ResourceLimit("csv_too_many_columns", count=len(header) - 1, max=config.CSV_MAX_FEATURES)
    for i, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise InvalidInput(label, "csv_ragged", row=i, count=len(row), columns=len(header))
    return header, data, hashlib.sha1(raw).hexdigest()[:8]


def csv_columns(path) -> list[str]:
    """The column names of an uploaded CSV (for the label-column dropdown)."""
    return read_csv_table(path)[0]


def dataset_from_csv(path, label_column: str, name: str = "your data") -> Dataset:
    """A Dataset from a CSV: numeric feature columns and one label column (text or numbers)."""
    from core.errors import InvalidInput

    header, rows, digest = read_csv_table(path)
    label_column = validate.short_text(label_column, "Label column")
    if label_column not in header:
        raise InvalidInput("Label column", "csv_no_label", column=label_column[:40])
    li = header.index(label_column)
    features = [h for h in header if h != label_column]
    if not features:
        raise InvalidInput("CSV file", "csv_no_features")
    if len(rows) < config.CSV_MIN_ROWS:
        raise InvalidInput("CSV file", "csv_too_few_rows", rows=len(rows), min=config.CSV_MIN_ROWS)
    x = np.empty((len(rows), len(features)), dtype=np.float64)
    labels = []
    for r, row in enumerate(rows):
        value = row[li].strip()
        if value.lower() in MISSING:
            raise InvalidInput("CSV file", "csv_missing_label", row=r + 2, column=label_column)
        labels.append(value)
        j = 0
        for c, cell in enumerate(row):
            if c == li:
                continue
            cell = cell.strip()
            if cell.lower() in MISSING:
                raise InvalidInput("CSV file", "csv_missing_value", row=r + 2, column=header[c])
            try:
                x[r, j] = float(cell)
            except ValueError:
                raise InvalidInput("CSV file", "csv_not_numeric", column=header[c], row=r + 2,
                                   value=validate.show(cell)) from None
            j += 1
    if not np.isfinite(x).all():
        raise InvalidInput("CSV file", "csv_infinite")
    classes = sorted(set(labels), key=_natural)
    if len(classes) < 2:
        raise InvalidInput("CSV file", "csv_one_class", column=label_column, cls=classes[0][:20])
    if len(classes) > config.CSV_MAX_CLASSES:
        raise InvalidInput("CSV file", "csv_too_many_classes", column=label_column, count=len(classes),
                           max=config.CSV_MAX_CLASSES)
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    counts = np.bincount(y)
    if counts.min() < 2:
        rare = classes[int(counts.argmin())]
        raise InvalidInput("CSV file", "csv_rare_class", cls=rare[:20])
    arrays = split_and_standardize(x, y)
    return Dataset(name="csv", n_classes=len(classes), class_names=tuple(classes),
                   identity=f"csv:{name}:{digest}:{label_column}", feature_names=tuple(features), **arrays)


def _natural(value: str):
    """Sort class labels numerically when they are numbers, else as text."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
