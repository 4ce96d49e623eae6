"""A browser session's finished runs: history, comparison, sweeps and model fusion.

``RunHistory`` lives in the session's own state (the UI keeps one per browser
session), never in a process-wide global. It holds at most
``config.MAX_HISTORY_RUNS`` runs; only the newest ``WEIGHTS_KEPT`` keep their
trained weights (for export and the Quantize tab), older ones keep their curves,
metrics and validation probabilities, which is all comparison and fusion need.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core import config, validate
from core.errors import InvalidInput, ResourceLimit
from core.metrics import classification_metrics

WEIGHTS_KEPT = 3
MAX_SWEEP_STEPS = 300_000


@dataclass(frozen=True)
class RunRecord:
    id: int
    result: Any                         # core.train.TrainResult
    weights: dict | None = None         # CPU copy of the state dict, newest runs only
    data: Any = None                    # the Dataset it was trained on (read-only arrays)

    @property
    def label(self) -> str:
        return f"#{self.id} {self.result.config.label()}"


@dataclass
class RunHistory:
    runs: list[RunRecord] = field(default_factory=list)
    next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __deepcopy__(self, memo):       # Gradio copies a state's initial value once per session
        return RunHistory()

    def add(self, run) -> RunRecord:
        """Record a finished ``TrainingRun`` (its result, and its weights for now)."""
        weights = {k: v.detach().cpu().clone() for k, v in run.model.state_dict().items()}
        with self._lock:
            record = RunRecord(id=self.next_id, result=run.result(), weights=weights, data=run.data)
            self.next_id += 1
            self.runs.append(record)
            del self.runs[:-config.MAX_HISTORY_RUNS]
            for i in range(len(self.runs) - WEIGHTS_KEPT):
                if self.runs[i].weights is not None:
                    self.runs[i] = replace(self.runs[i], weights=None)
            return record

    def last(self) -> RunRecord | None:
        with self._lock:
            return self.runs[-1] if self.runs else None

    def last_with_weights(self) -> RunRecord | None:
        """The newest run whose trained model is still held (what Export and Quantize offer)."""
        with self._lock:
            return next((r for r in reversed(self.runs) if r.weights is not None), None)

    def get(self, ids: Any, min_count: int = 1, max_count: int = config.MAX_HISTORY_RUNS) -> list[RunRecord]:
        """The runs with these ids (ints, numeric text, or labels starting '#id'), checked to exist."""
        label = "Runs"
        if isinstance(ids, (str, int)):
            ids = [ids]
        if not isinstance(ids, (list, tuple)):
            raise InvalidInput(label, "runs_not_list", value=validate.show(ids))
        if len(ids) > max_count:
            raise InvalidInput(label, "runs_too_many", max=max_count)
        wanted: list[int] = []
        for raw in ids:
            text = str(raw).strip().lstrip("#").split(" ")[0] if isinstance(raw, (str, int)) else ""
            if not text.isdigit():
                raise InvalidInput(label, "run_id_bad", value=validate.show(raw))
            if int(text) not in wanted:
                wanted.append(int(text))
        with self._lock:
            by_id = {r.id: r for r in self.runs}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise InvalidInput(label, "run_missing", id=missing[0])
        if len(wanted) < min_count:
            raise InvalidInput(label, "runs_too_few", min=min_count)
        return [by_id[i] for i in wanted]

    def all(self) -> list[RunRecord]:
        """Every run kept, oldest first."""
        with self._lock:
            return list(self.runs)

    def labels(self) -> list[str]:
        with self._lock:
            return [r.label for r in self.runs]

    def table(self) -> list[dict]:
        """One row per run: what it was and how it did."""
        with self._lock:
            runs = list(self.runs)
        return [_row(r) for r in runs]

    def to_csv(self) -> str:
        """Every epoch of every run, with the run's settings and final metrics on each row."""
        out = io.StringIO()
        columns = ["run", "dataset", "model", "hidden_sizes", "optimizer", "learning_rate", "batch_size",
                   "dropout", "weight_decay", "l1", "seed", "epoch", "train_loss", "train_accuracy",
                   "val_loss", "val_accuracy", "final_accuracy", "final_f1", "final_auc", "stopped"]
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        with self._lock:
            runs = list(self.runs)
        for r in runs:
            c, m = r.result.config, r.result.metrics
            for e in r.result.history:
                writer.writerow({
                    "run": r.id, "dataset": r.result.dataset_identity, "model": c.model,
                    "hidden_sizes": " ".join(map(str, c.hidden_sizes)), "optimizer": c.optimizer,
                    "learning_rate": c.learning_rate, "batch_size": c.batch_size, "dropout": c.dropout,
                    "weight_decay": c.weight_decay, "l1": c.l1, "seed": c.seed, "epoch": e.epoch,
                    "train_loss": f"{e.train_loss:.6g}", "train_accuracy": f"{e.train_accuracy:.6g}",
                    "val_loss": f"{e.val_loss:.6g}", "val_accuracy": f"{e.val_accuracy:.6g}",
                    "final_accuracy": m["accuracy"], "final_f1": m["f1"], "final_auc": m["auc"],
                    "stopped": r.result.stopped,
                })
        return out.getvalue()


def new_history() -> RunHistory:
    """A fresh, empty history (the factory a UI gives its per-session state)."""
    return RunHistory()


def _row(r: RunRecord) -> dict:
    res = r.result
    return {"id": r.id, "run": r.label, "dataset": res.dataset_identity, "epochs": res.epochs_completed,
            "accuracy": res.metrics["accuracy"], "f1": res.metrics["f1"], "auc": res.metrics["auc"],
            "stopped": res.stopped, "seconds": round(res.seconds, 2)}


# --- Learning-rate / optimizer sweep ------------------------------------------------

def parse_learning_rates(text: Any) -> list[float]:
    """'0.001, 0.01, 0.1' -> [0.001, 0.01, 0.1], each checked like the learning-rate control."""
    label = "Learning rates"
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    text = validate.short_text(text, label)
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise InvalidInput(label, "rates_empty")
    rates: list[float] = []
    for p in parts:
        rate = validate.number(p, config.LEARNING_RATE)
        if rate not in rates:
            rates.append(rate)
    return rates


def sweep_configs(base, learning_rates: Any, optimizers: Any) -> list:
    """One config per (optimizer, learning rate), same data and seed; bounded in count and total steps."""
    rates = parse_learning_rates(learning_rates)
    opts = validate.choices(optimizers if optimizers not in (None, "", []) else [base.optimizer],
                            config.OPTIMIZERS, "Optimizers", config.MAX_SWEEP_RUNS)
    count = len(rates) * len(opts)
    if count > config.MAX_SWEEP_RUNS:
        raise ResourceLimit("sweep_too_many", count=count, optimizers=len(opts), rates=len(rates),
                            max=config.MAX_SWEEP_RUNS)
    configs = [replace(base, optimizer=o, learning_rate=r) for o, r in itertools.product(opts, rates)]
    return configs


def check_sweep_budget(configs: list, n_train: int) -> None:
    steps = sum(c.epochs * math.ceil(n_train / c.batch_size) for c in configs)
    if steps > MAX_SWEEP_STEPS:
        raise ResourceLimit("sweep_too_long", steps=f"{steps:,}", max=f"{MAX_SWEEP_STEPS:,}")


def rank(results: list) -> list[dict]:
    """Sweep results best first (validation accuracy, then lower validation loss); exactly one is best."""
    def score(r):
        final_loss = r.history[-1].val_loss if r.history else math.inf
        return (-r.metrics["accuracy"], final_loss)
    ordered = sorted(results, key=score)
    rows = []
    for place, r in enumerate(ordered, 1):
        rows.append({"rank": place, "optimizer": r.config.optimizer, "learning_rate": r.config.learning_rate,
                     "accuracy": r.metrics["accuracy"], "f1": r.metrics["f1"], "auc": r.metrics["auc"],
                     "final_val_loss": round(r.history[-1].val_loss, 4) if r.history else None,
                     "epochs_completed": r.epochs_completed, "stopped": r.stopped, "best": place == 1})
    return rows


# --- Model fusion --------------------------------------------------------------------

def fuse(records: list[RunRecord]) -> dict:
    """Average the members' predicted probabilities on the validation set, and score the average."""
    if len(records) < 2:
        raise InvalidInput("Runs", "runs_too_few", min=2)
    if len(records) > config.MAX_FUSION_RUNS:
        raise InvalidInput("Runs", "runs_too_many", max=config.MAX_FUSION_RUNS)
    identities = {r.result.dataset_identity for r in records}
    if len(identities) > 1:
        raise InvalidInput("Runs", "fuse_datasets", datasets=", ".join(sorted(identities)))
    y = records[0].result.y_val
    proba = np.mean([r.result.val_proba for r in records], axis=0)
    ensemble = classification_metrics(y, proba)
    keys = ("accuracy", "precision", "recall", "f1", "auc")
    return {
        "ensemble": {k: ensemble[k] for k in keys} | {"confusion_matrix": ensemble["confusion_matrix"]},
        "members": [{"id": r.id, "run": r.label, **{k: r.result.metrics[k] for k in keys}} for r in records],
        "dataset": records[0].result.dataset_identity,
    }
