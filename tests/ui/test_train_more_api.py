"""Sweep, NumPy-from-scratch, history, fusion, TensorBoard logs, export and CSV upload through the public API."""

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.core.test_csv_data import iris_like

BASE = dict(dataset="moons", hidden_sizes="32", optimizer="adam", learning_rate=0.01, epochs=5, batch_size=32,
            dropout=0.0, weight_decay=0.0, seed=0)


def train(client, **changes):
    return client.predict(**{**BASE, **changes}, api_name="/train")


def test_sweep_ranks_every_run_and_marks_exactly_one_best(client):
    status, plot, ranking_table, records = client.predict(
        **BASE, learning_rates="0.001, 0.01, 0.1", optimizers=["adam", "sgd"], api_name="/sweep")
    assert len(records) == 6 and sum(r["best"] for r in records) == 1
    assert {(r["optimizer"], r["learning_rate"]) for r in records} == {
        (o, lr) for o in ("adam", "sgd") for lr in (0.001, 0.01, 0.1)}
    best = next(r for r in records if r["best"])
    assert best["accuracy"] == max(r["accuracy"] for r in records)
    assert {"learning_rate", "optimizer", "accuracy", "f1", "best"} <= set(records[0])
    assert len(ranking_table["data"]) == 6


@pytest.mark.parametrize("changes, words", [
    (dict(learning_rates=""), "give at least one"),
    (dict(learning_rates=",".join(str(0.001 * i) for i in range(1, 14))), "too many"),
    (dict(optimizers=["adam", "newton"]), "Optimizers must be one of"),
    (dict(learning_rates="0.01, abc"), "Learning rate must be a number"),
    (dict(learning_rates="9" * 300), "too long"),
])
def test_bad_sweeps_are_refused_with_a_message(client, changes, words):
    args = {**BASE, "learning_rates": "0.01", "optimizers": ["adam"], **changes}
    with pytest.raises(AppError, match=words):
        client.predict(**args, api_name="/sweep")


def test_scratch_reports_numpy_and_torch_agreement(client):
    status, plot, record = client.predict(dataset="moons", hidden_sizes="16", learning_rate=0.1, epochs=8,
                                          batch_size=32, seed=0, loss="cross_entropy", api_name="/scratch")
    assert record["max_grad_diff"] < 1e-6
    assert record["numpy_accuracy"] == record["torch_accuracy"] > 0.8
    mse = client.predict(dataset="digits", hidden_sizes="16", learning_rate=0.1, epochs=2, batch_size=32, seed=0,
                         loss="mse", api_name="/scratch")[-1]
    assert mse["max_grad_diff"] < 1e-6 and mse["epochs_completed"] == 2
    with pytest.raises(AppError, match="Loss must be one of"):
        client.predict(dataset="moons", hidden_sizes="16", learning_rate=0.1, epochs=2, batch_size=32, seed=0,
                       loss=None, api_name="/scratch")


def test_fusion_of_runs_in_this_session_only(client, app_url):
    for seed in (1, 2, 3):
        train(client, seed=seed)
    train(client, dataset="circles")
    table, result = client.predict(run_ids=[1, 2, 3], api_name="/fuse")
    assert [m["id"] for m in result["members"]] == [1, 2, 3]
    assert 0.5 < result["ensemble"]["accuracy"] <= 1 and len(table["data"]) == 4
    with pytest.raises(AppError, match="at least 2"):
        client.predict(run_ids=[1], api_name="/fuse")
    with pytest.raises(AppError, match="same data"):
        client.predict(run_ids=[1, 4], api_name="/fuse")
    with pytest.raises(AppError, match="no run #1"):          # another user's session has no such runs
        Client(app_url, verbose=False).predict(run_ids=[1, 2], api_name="/fuse")
    with pytest.raises(AppError, match="not a run id"):
        client.predict(run_ids=["1; DROP TABLE"], api_name="/fuse")


def test_history_downloads_as_csv_with_every_epoch(client):
    train(client, epochs=3)
    train(client, epochs=2, optimizer="sgd")
    path = client.predict(api_name="/history_csv")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text())))
    assert len(rows) == 5 and {r["optimizer"] for r in rows} == {"adam", "sgd"}


def test_tensorboard_log_of_the_chosen_runs_or_all_of_them(client, app_url, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with pytest.raises(AppError, match="no runs in this session"):
        client.predict(run_ids=[], api_name="/tensorboard")
    train(client, epochs=3)
    train(client, epochs=2, optimizer="sgd")
    path, command = client.predict(run_ids=[], api_name="/tensorboard")
    with zipfile.ZipFile(path) as z:
        assert {n.split("/")[1] for n in z.namelist() if ".tfevents." in n} == {"run-001", "run-002"}
    assert "`tensorboard --logdir dllab-tensorboard`" in command and "#1, #2" in command

    path, command = client.predict(run_ids=["2"], api_name="/tensorboard")
    with zipfile.ZipFile(path) as z:
        z.extractall(tmp_path)
    assert [p.name for p in (tmp_path / "dllab-tensorboard").glob("run-*")] == ["run-002"]
    log = EventAccumulator(str(tmp_path / "dllab-tensorboard" / "run-002"))
    log.Reload()
    assert [s.step for s in log.Scalars("loss/validation")] == [1, 2]
    with pytest.raises(AppError, match="no run #9"):
        client.predict(run_ids=[9], api_name="/tensorboard")
    with pytest.raises(AppError, match="no runs in this session"):     # another user's session is empty
        Client(app_url, verbose=False).predict(run_ids=[1], api_name="/tensorboard")


def test_export_of_a_fresh_session_says_what_to_do(app_url):
    with pytest.raises(AppError, match="Train a model first"):
        Client(app_url, verbose=False).predict(api_name="/export")


def test_export_downloads_a_model_whose_script_reproduces_the_accuracy(client, tmp_path):
    metrics = train(client, dataset="digits", model="cnn", epochs=2, hidden_sizes="32")[-1]
    bundle = client.predict(api_name="/export")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(tmp_path)
    script = next(tmp_path.glob("*/evaluate.py"))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(re.search(r"^accuracy: ([0-9.]+)$", out.stdout, re.M).group(1)) == metrics["accuracy"]


@pytest.mark.parametrize("model, first", [("cnn", "Conv2d"), ("lstm", "LSTM"), ("transformer", "Linear")])
def test_each_architecture_trains_through_the_api(client, model, first):
    *_, layers, metrics = train(client, dataset="digits", model=model, epochs=2, hidden_sizes="32")
    assert layers["data"][0][1] == first and metrics["model"] == model and metrics["accuracy"] > 0.3


def test_csv_upload_trains_and_bad_files_are_refused(client, tmp_path):
    good = tmp_path / "iris.csv"
    good.write_text(iris_like(60))
    metrics = train(client, dataset="csv", csv_file=handle_file(str(good)), label_column="species",
                    epochs=20, batch_size=8)[-1]
    assert metrics["dataset"] == "csv" and metrics["accuracy"] > 0.8
    fake = tmp_path / "photo.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(AppError, match="not a text CSV"):
        train(client, dataset="csv", csv_file=handle_file(str(fake)), label_column="species")
    with pytest.raises(AppError, match="Upload a CSV file first"):
        train(client, dataset="csv", label_column="species")
    with pytest.raises(AppError, match="is not one of them"):
        train(client, dataset="csv", csv_file=handle_file(str(good)), label_column="colour")
