"""TensorBoard logs: what TensorBoard itself reads back from the event files DL Lab writes."""

import zipfile
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from core import config, files
from core.errors import DLLabError
from core.runs import RunHistory
from core.tensorboard import LOG_FOLDER, RunLog, train_runs_zip, view_command, zip_logs
from core.train import TrainConfig, TrainingRun


def history_of(*configs) -> RunHistory:
    h = RunHistory()
    for kw in configs:
        run = TrainingRun(TrainConfig.from_user(**{"hidden_sizes": "16", **kw}))
        list(run.epochs())
        h.add(run)
    return h


def unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as z:
        z.extractall(into)
    return into / path.stem


def read_run(folder: Path) -> EventAccumulator:
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def values(acc, tag) -> list[tuple[int, float]]:
    return [(s.step, s.value) for s in acc.Scalars(tag)]


def logged_hparams(acc) -> dict:
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    return {k: v.string_value or v.number_value for k, v in start.hparams.items()}


@pytest.fixture
def downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "DOWNLOADS_ROOT", tmp_path / "downloads")
    return tmp_path / "downloads"


def test_train_runs_log_every_epoch_their_settings_and_final_metrics(downloads, tmp_path):
    h = history_of(dict(epochs=3, seed=1), dict(epochs=2, seed=2, optimizer="sgd", learning_rate=0.05))
    path = train_runs_zip(h.runs)
    assert path.name == "dllab-tensorboard.zip" and path.is_relative_to(downloads)
    assert view_command(path) == "tensorboard --logdir dllab-tensorboard"
    logdir = unzip(path, tmp_path / "unzipped")
    assert sorted(p.name for p in logdir.iterdir()) == ["README.txt", "run-001", "run-002"]
    assert "tensorboard --logdir dllab-tensorboard" in (logdir / "README.txt").read_text()

    for record in h.runs:
        acc = read_run(logdir / f"run-{record.id:03d}")
        history, cfg = record.result.history, record.result.config
        for tag, field in [("loss/train", "train_loss"), ("loss/validation", "val_loss"),
                           ("accuracy/train", "train_accuracy"), ("accuracy/validation", "val_accuracy")]:
            assert values(acc, tag) == [(e.epoch, pytest.approx(getattr(e, field), rel=1e-6)) for e in history]
        assert values(acc, "learning_rate") == [(e.epoch, pytest.approx(cfg.learning_rate)) for e in history]
        assert values(acc, "final/accuracy") == [(len(history), pytest.approx(record.result.metrics["accuracy"]))]
        assert values(acc, "final/val_loss")[0][1] == pytest.approx(history[-1].val_loss, rel=1e-6)
        hp = logged_hparams(acc)
        assert hp["optimizer"] == cfg.optimizer and hp["learning_rate"] == pytest.approx(cfg.learning_rate)
        assert hp["hidden_sizes"] == "16" and hp["seed"] == cfg.seed and hp["dataset"].startswith("moons")


def test_a_run_log_streams_scalars_text_samples_and_hparams(downloads, tmp_path):
    with RunLog("pretrain-1") as log:
        for step in (0, 50, 100):
            log.scalars(step, {"loss/train": 3.0 - step / 100, "loss/validation": None, "tokens_per_s": 1e4})
        log.text(50, "samples", "12+34=64\n# not a heading")
        log.text(100, "samples", "中" * (config.TENSORBOARD_TEXT_CHARS + 10))
        log.hparams({"n_layer": 2, "corpus": "arithmetic", "ops": ("+", "-"), "dropout": None},
                    {"final/val_loss": 1.25, "final/exact_match": float("nan")})
    assert log.root.is_relative_to(downloads) and log.folder == log.root / "pretrain-1"

    acc = read_run(unzip(zip_logs(log.root), tmp_path) / "pretrain-1")
    assert values(acc, "loss/train") == [(0, 3.0), (50, 2.5), (100, 2.0)]
    assert "loss/validation" not in acc.Tags()["scalars"]
    first, second = acc.Tensors("samples/text_summary")
    assert first.step == 50 and first.tensor_proto.string_val[0].decode() == "    12+34=64\n    # not a heading"
    assert len(second.tensor_proto.string_val[0].decode()) == 4 + config.TENSORBOARD_TEXT_CHARS
    assert logged_hparams(acc) == {"n_layer": 2, "corpus": "arithmetic", "ops": "+ -"}
    assert values(acc, "final/val_loss") == [(100, 1.25)] and "final/exact_match" not in acc.Tags()["scalars"]


def test_the_zip_holds_only_event_files_without_the_server_s_name(downloads, tmp_path):
    root = tmp_path / "session-log"
    for name in ("run-001", "run-002"):
        with RunLog(name, root) as log:
            log.scalars(1, {"loss/train": 1.0})
    (root / "run-001" / "notes.txt").write_text("not part of a log")
    with zipfile.ZipFile(zip_logs(root, "pretrain-logs")) as z:
        names = z.namelist()
    assert sorted(names) == ["pretrain-logs/README.txt", "pretrain-logs/run-001/events.out.tfevents.000000.dllab",
                             "pretrain-logs/run-002/events.out.tfevents.000001.dllab"]


def test_names_come_from_dl_lab_and_an_empty_log_says_so(downloads, tmp_path):
    for bad in ("../escape", "Run 1", "", "a/b", "x" * 65):
        with pytest.raises(ValueError):
            RunLog(bad, tmp_path)
    with pytest.raises(ValueError):
        zip_logs(tmp_path, "../up")
    for empty in (tmp_path / "missing", tmp_path):
        with pytest.raises(DLLabError, match="no TensorBoard log"):
            zip_logs(empty)
    assert LOG_FOLDER == "dllab-tensorboard"
