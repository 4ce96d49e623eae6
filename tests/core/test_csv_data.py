"""Training on an uploaded CSV, and every way such a file can be wrong."""

import numpy as np
import pytest

from core import config
from core.datasets import csv_columns, dataset_from_csv
from core.errors import InvalidInput, ResourceLimit
from core.train import TrainConfig, TrainingRun


def write(tmp_path, text, name="data.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def iris_like(n=60, classes=("setosa", "versicolor", "virginica")):
    rng = np.random.default_rng(0)
    lines = ["length,width,species"]
    for i in range(n):
        k = i % len(classes)
        lines.append(f"{rng.normal(k, 0.3):.3f},{rng.normal(-k, 0.3):.3f},{classes[k]}")
    return "\n".join(lines) + "\n"


def test_a_clean_csv_trains_with_text_labels(tmp_path):
    path = write(tmp_path, iris_like())
    assert csv_columns(path) == ["length", "width", "species"]
    data = dataset_from_csv(path, "species", "iris.csv")
    assert data.class_names == ("setosa", "versicolor", "virginica") and data.n_features == 2
    run = TrainingRun(TrainConfig.from_user(dataset="csv", allow_csv=True, epochs=30, batch_size=8), data=data)
    list(run.epochs())
    assert run.result().metrics["accuracy"] > 0.9
    assert data.is_2d and run.boundary() is not None


def test_semicolons_and_numeric_labels_work(tmp_path):
    text = "a;b;label\n" + "\n".join(f"{i};{i % 3};{i % 2}" for i in range(40))
    data = dataset_from_csv(write(tmp_path, text), "label")
    assert data.class_names == ("0", "1") and data.n_features == 2


@pytest.mark.parametrize("text, label, error, words", [
    ("a,b,y\n" + "1,x,0\n" * 30, "y", InvalidInput, "Column 'b' is not numeric"),
    ("a,b,y\n" + "1,2,0\n1,,1\n" * 15, "y", InvalidInput, "missing value in column 'b'"),
    ("a,b,y\n" + "1,2,0\n" * 30, "y", InvalidInput, "single class"),
    ("a,y\n" + "".join(f"{i},{i}\n" for i in range(40)), "y", InvalidInput, "40 classes"),
    ("a,y\n" + "1,0\n" * 5 + "2,1\n" * 5, "y", InvalidInput, "at least 20"),
    ("a,b,y\n" + "1,2,0\n" * 20 + "1,2\n", "y", InvalidInput, "Row 22 has 2 values"),
    ("a,b,y\n" + "1,2,0\n" * 20 + "1,2,1\n", "y", InvalidInput, "Class '1' has a single example"),
    ("a,b,y\n" + "1,2,0\n2,3,1\n" * 15, "nope", InvalidInput, "'nope' is not one of them"),
    ("a,,y\n" + "1,2,0\n" * 30, "y", InvalidInput, "needs a name"),
    ("y\n" + "0\n1\n" * 15, "y", InvalidInput, "at least one feature column"),
])
def test_bad_csv_files_get_a_clear_message(tmp_path, text, label, error, words):
    with pytest.raises(error, match=words):
        dataset_from_csv(write(tmp_path, text), label)


def test_files_that_are_not_csv_text(tmp_path):
    with pytest.raises(InvalidInput, match="not a text CSV"):
        csv_columns(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "photo.csv", "wb"))
    with pytest.raises(InvalidInput, match="Upload a CSV file first"):
        csv_columns(None)
    with pytest.raises(InvalidInput, match="Upload a CSV file first"):
        csv_columns(str(tmp_path / "missing.csv"))


def test_size_row_and_column_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CSV_MAX_BYTES", 1000)
    with pytest.raises(ResourceLimit, match="limit is 0 MB|the limit is"):
        csv_columns(write(tmp_path, "a,y\n" + "1,0\n" * 400))
    monkeypatch.setattr(config, "CSV_MAX_BYTES", 10**7)
    monkeypatch.setattr(config, "CSV_MAX_ROWS", 50)
    with pytest.raises(ResourceLimit, match="51 rows"):
        csv_columns(write(tmp_path, "a,y\n" + "1,0\n" * 51))
    wide = ",".join(f"c{i}" for i in range(config.CSV_MAX_FEATURES + 1)) + ",y\n"
    with pytest.raises(ResourceLimit, match="feature columns"):
        csv_columns(write(tmp_path, wide + ",".join("1" * (config.CSV_MAX_FEATURES + 2)) + "\n"))


def test_batch_larger_than_the_training_rows_is_refused(tmp_path):
    data = dataset_from_csv(write(tmp_path, iris_like(40)), "species")
    with pytest.raises(InvalidInput, match="larger than the training set"):
        TrainingRun(TrainConfig.from_user(dataset="csv", allow_csv=True, batch_size=64), data=data)
