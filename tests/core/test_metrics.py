import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from core.metrics import classification_metrics


def one_hot_proba(pred, n):
    p = np.full((len(pred), n), 0.1 / (n - 1))
    p[np.arange(len(pred)), pred] = 0.9
    return p


def test_perfect_binary_predictions_score_one():
    y = np.array([0, 1, 1, 0, 1])
    m = classification_metrics(y, one_hot_proba(y, 2))
    assert (m["accuracy"], m["precision"], m["recall"], m["f1"], m["auc"]) == (1, 1, 1, 1, 1)
    assert m["confusion_matrix"] == [[2, 0], [0, 3]]


def test_binary_metrics_match_scikit_learn_on_noisy_scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p1 = np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1)
    m = classification_metrics(y, np.stack([1 - p1, p1], 1))
    assert m["auc"] == pytest.approx(roc_auc_score(y, p1), abs=1e-4)
    assert m["f1"] == pytest.approx(f1_score(y, p1 > 0.5), abs=1e-4)
    assert m["average"] == "binary"


def test_multiclass_uses_macro_average_and_one_vs_rest_auc():
    y = np.array([0, 1, 2, 2, 1, 0, 2])
    pred = np.array([0, 1, 2, 1, 1, 0, 2])
    m = classification_metrics(y, one_hot_proba(pred, 3))
    assert m["average"] == "macro"
    assert m["f1"] == pytest.approx(f1_score(y, pred, average="macro"), abs=1e-4)
    assert m["confusion_matrix"][2] == [0, 1, 2]
    assert 0 < m["auc"] <= 1


def test_auc_is_none_when_a_class_is_missing_from_the_labels():
    y = np.array([0, 0, 1, 1])
    m = classification_metrics(y, one_hot_proba(y, 3))
    assert m["auc"] is None and m["accuracy"] == 1.0
