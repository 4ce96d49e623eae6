"""Exported models and 'Show code' reproduce the reported accuracy when run on their own."""

import inspect
import re
import subprocess
import sys
import textwrap
import zipfile

import pytest

from core import architectures
from core.errors import DLLabError
from core.export import export_bundle, reproduce_code
from core.runs import RunHistory
from core.train import TrainConfig, TrainingRun
from tests.core.test_csv_data import iris_like


def trained(data=None, **kw):
    history = RunHistory()
    run = TrainingRun(TrainConfig.from_user(allow_csv=True, **kw), data=data)
    list(run.epochs())
    return history.add(run)


def printed_accuracy(script, cwd) -> float:
    out = subprocess.run([sys.executable, str(script)], cwd=cwd, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(re.search(r"^accuracy: ([0-9.]+)$", out.stdout, re.M).group(1))


@pytest.mark.parametrize("kw", [
    dict(dataset="moons", epochs=8, dropout=0.2, optimizer="adamw", weight_decay=0.01),
    dict(dataset="digits", model="cnn", epochs=2, optimizer="sgd", l1=0.001, dropout=0.1),
    dict(dataset="digits", model="lstm", epochs=2, optimizer="rmsprop", learning_rate=0.005, hidden_sizes="32"),
    dict(dataset="digits", model="transformer", epochs=2, hidden_sizes="32", optimizer="adagrad", dropout=0.1),
])
def test_exported_bundle_rebuilds_the_model_and_its_accuracy(tmp_path, kw):
    record = trained(**kw)
    bundle = export_bundle(record)
    with zipfile.ZipFile(bundle) as z:
        names = sorted(n.split("/", 1)[1] for n in z.namelist())
        z.extractall(tmp_path)
    assert names == ["evaluate.py", "model.safetensors", "run.json", "train.py", "validation.safetensors"]
    folder = next(tmp_path.iterdir())
    assert printed_accuracy(folder / "evaluate.py", tmp_path) == record.result.metrics["accuracy"]
    assert printed_accuracy(folder / "train.py", tmp_path) == record.result.metrics["accuracy"]


def test_show_code_repeats_a_csv_run_from_the_same_file(tmp_path):
    from core.datasets import dataset_from_csv

    (tmp_path / "your_data.csv").write_text(iris_like(60))
    data = dataset_from_csv(str(tmp_path / "your_data.csv"), "species", "your_data.csv")
    record = trained(data=data, dataset="csv", epochs=10, batch_size=8)
    code = reproduce_code(record.result, data.n_features, None, data.n_classes, csv_name="your_data.csv",
                          label_column="species")
    (tmp_path / "train.py").write_text(code)
    assert printed_accuracy(tmp_path / "train.py", tmp_path) == record.result.metrics["accuracy"]


def test_stopped_runs_are_reproduced_up_to_where_they_stopped(tmp_path):
    history = RunHistory()
    run = TrainingRun(TrainConfig.from_user(dataset="circles", epochs=50))
    for record in run.epochs():
        if record.epoch == 4:
            run.should_stop = lambda: True
    rec = history.add(run)
    assert rec.result.stopped and rec.result.epochs_completed == 4
    code = reproduce_code(rec.result, 2, None, 2)
    assert "stopped after epoch 4" in code
    (tmp_path / "train.py").write_text(code)
    assert printed_accuracy(tmp_path / "train.py", tmp_path) == rec.result.metrics["accuracy"]


def test_export_without_a_trained_model_says_so():
    with pytest.raises(DLLabError, match="Train a model first"):
        export_bundle(None)


def test_evaluate_py_rebuilds_with_the_function_the_quantize_tab_uses():
    record = trained(dataset="moons", epochs=1)
    with zipfile.ZipFile(export_bundle(record)) as z:
        script = next(z.read(n).decode() for n in z.namelist() if n.endswith("/evaluate.py"))
    for function in (architectures.rebuild, architectures.construct):
        assert textwrap.dedent(inspect.getsource(function)).strip() in script
    assert "model = rebuild(meta, load_file(" in script
