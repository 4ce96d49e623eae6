import numpy as np
import pytest

from core import config
from core.datasets import make_dataset
from core.errors import InvalidInput


@pytest.mark.parametrize("name, features, classes", [("moons", 2, 2), ("circles", 2, 2),
                                                     ("classification", 10, 2), ("digits", 64, 10)])
def test_shapes_split_and_standardization(name, features, classes):
    d = make_dataset(name, 800, 0.1)
    assert d.n_features == features and d.n_classes == classes
    total = len(d.y_train) + len(d.y_val)
    assert total == (1797 if name == "digits" else 800)
    assert len(d.y_val) == pytest.approx(total * config.VALIDATION_FRACTION, abs=1)
    np.testing.assert_allclose(d.x_train.mean(0), 0, atol=1e-5)
    assert set(np.unique(d.y_val)) == set(range(classes))   # stratified: every class in validation


def test_data_is_fixed_and_noise_changes_it():
    a, b = make_dataset("moons", 500, 0.1), make_dataset("moons", 500, 0.1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    c = make_dataset("moons", 500, 0.4)
    assert not np.array_equal(a.raw_val, c.raw_val)


def test_cached_arrays_are_read_only():
    d = make_dataset("circles", 300, 0.1)
    with pytest.raises(ValueError):
        d.x_train[0, 0] = 5.0


def test_bad_dataset_settings():
    with pytest.raises(InvalidInput, match="Samples must be between 100 and 5000"):
        make_dataset("moons", 10**9, 0.1)
    with pytest.raises(InvalidInput, match="Dataset must be one of"):
        make_dataset("../../etc/passwd", 100, 0.1)
