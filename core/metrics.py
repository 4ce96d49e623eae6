"""Validation metrics a workshop discusses: accuracy, precision, recall, F1, ROC AUC, confusion."""

from __future__ import annotations

import math

import numpy as np


def classification_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """Metrics of class probabilities ``proba`` (n, n_classes) against labels ``y_true``.

    Binary tasks report precision/recall/F1 of class 1; multi-class tasks report
    their macro average and a one-vs-rest AUC. AUC is None when it is undefined
    (a class absent from ``y_true``, or probabilities that are not finite).
    """
    from sklearn.metrics import (accuracy_score, confusion_matrix,
                                 precision_recall_fscore_support, roc_auc_score)

    n_classes = proba.shape[1]
    y_pred = proba.argmax(axis=1)
    average = "binary" if n_classes == 2 else "macro"
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average=average, zero_division=0
    )
    auc = None
    if np.isfinite(proba).all() and len(np.unique(y_true)) == n_classes:
        if n_classes == 2:
            auc = float(roc_auc_score(y_true, proba[:, 1]))
        else:
            p = proba / proba.sum(axis=1, keepdims=True)
            auc = float(roc_auc_score(y_true, p, multi_class="ovr", labels=list(range(n_classes))))
    cm = confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    return {
        "accuracy": _round(accuracy_score(y_true, y_pred)),
        "precision": _round(precision),
        "recall": _round(recall),
        "f1": _round(f1),
        "auc": None if auc is None or math.isnan(auc) else _round(auc),
        "average": average,
        "confusion_matrix": cm.tolist(),
    }


def _round(x: float) -> float:
    return round(float(x), 4)
