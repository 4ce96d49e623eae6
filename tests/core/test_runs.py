"""Session history, sweeps, ranking and model fusion."""

import copy
import csv
import io

import numpy as np
import pytest

from core import config
from core.errors import InvalidInput, ResourceLimit
from core.runs import RunHistory, WEIGHTS_KEPT, fuse, rank, sweep_configs
from core.train import TrainConfig, TrainingRun


def finished(**kw):
    run = TrainingRun(TrainConfig.from_user(**{"epochs": 4, "hidden_sizes": "16", **kw}))
    list(run.epochs())
    return run


def test_history_is_bounded_and_keeps_weights_only_for_the_newest_runs(monkeypatch):
    monkeypatch.setattr(config, "MAX_HISTORY_RUNS", 5)
    h = RunHistory()
    for seed in range(7):
        h.add(finished(seed=seed, epochs=1))
    assert [r.id for r in h.runs] == [3, 4, 5, 6, 7]
    assert [r.weights is not None for r in h.runs] == [False] * (5 - WEIGHTS_KEPT) + [True] * WEIGHTS_KEPT
    assert h.last_with_weights().id == 7


def test_each_session_gets_its_own_empty_history():
    h = RunHistory()
    h.add(finished(epochs=1))
    assert copy.deepcopy(h).runs == [] and len(h.runs) == 1


def test_get_accepts_ids_numbers_as_text_and_labels_and_rejects_unknown_ones():
    h = RunHistory()
    h.add(finished(seed=1))
    h.add(finished(seed=2))
    assert [r.id for r in h.get([1, "2"])] == [1, 2]
    assert [r.id for r in h.get([h.runs[1].label])] == [2]
    for bad, words in [([9], "no run #9"), ("x", "not a run id"), (None, "must be a list"), ([[1]], "not a run id")]:
        with pytest.raises(InvalidInput, match=words):
            h.get(bad)
    with pytest.raises(InvalidInput, match="at least 2"):
        h.get([1, 1], min_count=2)


def test_history_csv_has_one_row_per_epoch_with_settings_and_final_metrics():
    h = RunHistory()
    h.add(finished(seed=1, epochs=3))
    h.add(finished(seed=2, epochs=2, optimizer="sgd"))
    rows = list(csv.DictReader(io.StringIO(h.to_csv())))
    assert len(rows) == 5 and rows[0]["run"] == "1" and rows[-1]["optimizer"] == "sgd"
    assert float(rows[0]["final_accuracy"]) == h.runs[0].result.metrics["accuracy"]


def test_fusion_averages_probabilities_and_scores_the_ensemble():
    h = RunHistory()
    for seed in range(3):
        h.add(finished(seed=seed, dataset="moons", epochs=6))
    records = h.get([1, 2, 3])
    result = fuse(records)
    mean = np.mean([r.result.val_proba for r in records], axis=0)
    expected = (mean.argmax(1) == records[0].result.y_val).mean()
    assert result["ensemble"]["accuracy"] == pytest.approx(expected, abs=1e-4)
    assert [m["id"] for m in result["members"]] == [1, 2, 3]


def test_fusion_refuses_a_single_run_and_runs_on_different_data():
    h = RunHistory()
    h.add(finished(dataset="moons"))
    h.add(finished(dataset="circles"))
    with pytest.raises(InvalidInput, match="Choose at least 2 different runs"):
        fuse(h.get([1]))
    with pytest.raises(InvalidInput, match="same data"):
        fuse(h.get([1, 2]))


def test_sweep_configs_cover_the_grid_and_are_bounded():
    base = TrainConfig.from_user(epochs=3)
    configs = sweep_configs(base, "0.001, 0.01, 0.1", ["adam", "sgd"])
    assert [(c.optimizer, c.learning_rate) for c in configs] == [
        ("adam", 0.001), ("adam", 0.01), ("adam", 0.1), ("sgd", 0.001), ("sgd", 0.01), ("sgd", 0.1)]
    assert all(c.seed == base.seed and c.epochs == 3 for c in configs)
    assert len(sweep_configs(base, "0.01", None)) == 1
    with pytest.raises(ResourceLimit, match="too many"):
        sweep_configs(base, ",".join(str(0.001 * i) for i in range(1, 8)), ["adam", "sgd"])
    with pytest.raises(InvalidInput, match="at least one"):
        sweep_configs(base, "", ["adam"])
    with pytest.raises(InvalidInput, match="Learning rate must be between"):
        sweep_configs(base, "0.01, 50", ["adam"])
    with pytest.raises(InvalidInput, match="Optimizers must be one of"):
        sweep_configs(base, "0.01", ["adam", "lbfgs"])


def test_rank_marks_exactly_one_best():
    results = [finished(learning_rate=lr, epochs=5).result() for lr in (0.0001, 0.01, 0.05)]
    ranking = rank(results)
    assert sum(r["best"] for r in ranking) == 1 and ranking[0]["best"]
    assert ranking[0]["accuracy"] == max(r.metrics["accuracy"] for r in results)
    assert [r["rank"] for r in ranking] == [1, 2, 3]
