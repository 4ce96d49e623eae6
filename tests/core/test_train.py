import threading

import numpy as np
import pytest
import torch

from core import config
from core.errors import InvalidInput, ResourceLimit, TrainingDiverged
from core.train import TrainConfig, TrainingRun, parse_hidden_sizes


def train(**kw):
    run = TrainingRun(TrainConfig.from_user(**kw))
    records = list(run.epochs())
    return run, records, run.result()


@pytest.mark.parametrize("dataset, at_least", [("moons", 0.95), ("circles", 0.9), ("classification", 0.8),
                                               ("digits", 0.9)])
def test_each_dataset_learns_well_beyond_chance(dataset, at_least):
    run, records, result = train(dataset=dataset, epochs=25)
    assert result.metrics["accuracy"] >= at_least
    assert records[-1].train_loss < records[0].train_loss
    assert len(records) == 25 and records[-1].epoch == 25


def test_output_layer_has_one_unit_per_class():
    run, _, result = train(dataset="digits", epochs=1, hidden_sizes="32")
    assert run.model[-1].out_features == 10 and len(result.metrics["confusion_matrix"]) == 10
    run2, _, _ = train(dataset="moons", epochs=1, hidden_sizes="")
    assert [type(m).__name__ for m in run2.model] == ["Linear"] and run2.model[0].out_features == 2


def test_same_seed_same_curves_regardless_of_global_rng():
    kw = dict(dataset="moons", epochs=8, dropout=0.3, seed=7)
    torch.manual_seed(1)
    _, a, ra = train(**kw)
    torch.manual_seed(999)  # global state must not matter: dropout and init use the run's generators
    _, b, rb = train(**kw)
    assert [(r.train_loss, r.val_loss) for r in a] == [(r.train_loss, r.val_loss) for r in b]
    assert ra.metrics == rb.metrics
    _, c, _ = train(**{**kw, "seed": 8})
    assert [r.train_loss for r in c] != [r.train_loss for r in a]


def test_runs_in_parallel_threads_stay_deterministic():
    kw = dict(dataset="circles", epochs=6, dropout=0.2, seed=3)
    _, solo, _ = train(**kw)
    results = []
    threads = [threading.Thread(target=lambda: results.append(train(**kw)[1])) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for records in results:
        assert [r.train_loss for r in records] == [r.train_loss for r in solo]


def test_weight_decay_shrinks_the_weights():
    def weight_norm(wd):
        run, _, _ = train(dataset="moons", epochs=15, optimizer="adamw", weight_decay=wd, learning_rate=0.01)
        return sum(float(p.detach().norm()) for n, p in run.model.named_parameters() if n.endswith("weight"))
    assert weight_norm(0.5) < 0.8 * weight_norm(0.0)


@pytest.mark.parametrize("optimizer", config.OPTIMIZERS)
def test_every_optimizer_lowers_the_loss(optimizer):
    _, records, _ = train(dataset="moons", epochs=5, optimizer=optimizer, learning_rate=0.05)
    assert records[-1].train_loss < records[0].train_loss


def test_stop_flag_ends_the_run_within_an_epoch_and_keeps_the_partial_result():
    stop = threading.Event()
    run = TrainingRun(TrainConfig.from_user(dataset="moons", epochs=100), should_stop=stop.is_set)
    for record in run.epochs():
        if record.epoch == 3:
            stop.set()
    result = run.result()
    assert result.stopped and result.epochs_completed == 3
    assert 0.5 < result.metrics["accuracy"] <= 1.0


def test_divergence_keeps_the_epochs_before_it():
    run = TrainingRun(TrainConfig.from_user(dataset="moons", epochs=20, optimizer="sgd", learning_rate=0.05))
    epochs = run.epochs()
    for _ in range(4):
        next(epochs)
    for group in run.optimizer.param_groups:   # what a far too large learning rate does mid-run
        group["lr"] = 1e12
    with pytest.raises(TrainingDiverged, match="diverged at epoch"):
        list(epochs)
    assert [r.epoch for r in run.history] == [1, 2, 3, 4]


def test_sgd_with_a_huge_learning_rate_is_reported_as_divergence():
    with pytest.raises(TrainingDiverged, match="too large for SGD"):
        train(dataset="circles", optimizer="sgd", learning_rate=10, epochs=5)


@pytest.mark.parametrize("kw, field", [
    (dict(learning_rate=0), "Learning rate"), (dict(learning_rate=float("inf")), "Learning rate"),
    (dict(epochs=0), "Epochs"), (dict(epochs=10_000), "Epochs"), (dict(batch_size=0), "Batch size"),
    (dict(hidden_sizes="64,abc"), "Hidden layer sizes"), (dict(hidden_sizes="1,2,3,4,5"), "Hidden layer sizes"),
    (dict(hidden_sizes="100000"), "Hidden layer sizes"), (dict(dataset="mnist"), "Dataset"),
    (dict(optimizer=None), "Optimizer"), (dict(dropout=1.0), "Dropout"), (dict(seed="x"), "Seed"),
])
def test_bad_settings_are_refused_by_name(kw, field):
    with pytest.raises(InvalidInput) as err:
        TrainConfig.from_user(**kw)
    assert err.value.field == field and field in err.value.message


def test_hidden_sizes_parse_forgivingly():
    assert parse_hidden_sizes(" 64, 32 ") == (64, 32)
    assert parse_hidden_sizes("128 64") == (128, 64)
    assert parse_hidden_sizes([16, 8]) == (16, 8)
    assert parse_hidden_sizes("") == ()


def test_a_run_too_long_for_a_shared_server_is_refused_up_front():
    with pytest.raises(ResourceLimit, match="larger batch size or fewer epochs"):
        TrainingRun(TrainConfig.from_user(dataset="digits", batch_size=1, epochs=300))


def test_decision_boundary_covers_the_data_for_2d_sets_only():
    run, _, _ = train(dataset="moons", epochs=10)
    grid = run.boundary(resolution=30)
    assert grid.proba.shape == (30, 30, 2)
    np.testing.assert_allclose(grid.proba.sum(-1), 1, atol=1e-5)
    raw = run.data.raw_val
    assert grid.xs[0] < raw[:, 0].min() and grid.xs[-1] > raw[:, 0].max()
    assert TrainingRun(TrainConfig.from_user(dataset="digits", epochs=1)).boundary() is None


def test_summary_has_what_the_api_promises():
    _, _, result = train(dataset="moons", epochs=3)
    summary = result.summary()
    for key in ("accuracy", "precision", "recall", "f1", "auc", "epochs_completed", "stopped", "seconds"):
        assert key in summary
    assert summary["epochs_completed"] == 3 and summary["stopped"] is False and summary["seconds"] > 0
