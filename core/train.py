"""Train a small classifier, one epoch at a time.

``TrainConfig.from_user`` validates whatever the page or the API sent;
``TrainingRun.epochs()`` is a generator of immutable ``EpochRecord``s that the UI
renders as it likes, and ``TrainingRun.result()`` gives the final metrics.

Every random draw (initial weights, batch order, dropout masks) comes from
``torch.Generator``s seeded with the run's seed, never from torch's global RNG,
so the same seed gives the same curves even while other sessions train at once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from core import config, validate
from core.architectures import build_model, count_parameters, layer_table
from core.datasets import Dataset, make_dataset
from core.device import get_device
from core.errors import InvalidInput, ResourceLimit, TrainingDiverged
from core.metrics import classification_metrics
from core.scheduler import checkpoint


def parse_hidden_sizes(text) -> tuple[int, ...]:
    """'64, 64' -> (64, 64). Empty text means no hidden layer (logistic regression)."""
    label = "Hidden layer sizes"
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    text = validate.short_text(text, label)
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if len(parts) > config.MAX_HIDDEN_LAYERS:
        raise InvalidInput(label, "too_many_layers", max=config.MAX_HIDDEN_LAYERS, count=len(parts))
    sizes = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= config.MAX_HIDDEN_UNITS:
            raise InvalidInput(label, "bad_layer_size", max=config.MAX_HIDDEN_UNITS, value=part[:20])
        sizes.append(int(part))
    return tuple(sizes)


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "moons"
    n_samples: int = int(config.TRAIN_SAMPLES.default)
    noise: float = config.TRAIN_NOISE.default
    model: str = "mlp"
    hidden_sizes: tuple[int, ...] = (64, 64)
    dropout: float = config.DROPOUT.default
    optimizer: str = "adam"
    learning_rate: float = config.LEARNING_RATE.default
    epochs: int = int(config.EPOCHS.default)
    batch_size: int = int(config.BATCH_SIZE.default)
    weight_decay: float = config.WEIGHT_DECAY.default
    l1: float = config.L1.default
    momentum: float = config.MOMENTUM.default
    seed: int = int(config.SEED.default)

    @classmethod
    def from_user(cls, dataset="moons", n_samples=config.TRAIN_SAMPLES.default,
                  noise=config.TRAIN_NOISE.default, model="mlp", hidden_sizes=config.DEFAULT_HIDDEN_SIZES,
                  dropout=config.DROPOUT.default, optimizer="adam",
                  learning_rate=config.LEARNING_RATE.default, epochs=config.EPOCHS.default,
                  batch_size=config.BATCH_SIZE.default, weight_decay=config.WEIGHT_DECAY.default,
                  l1=config.L1.default, momentum=config.MOMENTUM.default,
                  seed=config.SEED.default, allow_csv: bool = False) -> "TrainConfig":
        """A config from raw page or API values, each checked against core.config."""
        datasets = config.DATASETS + (("csv",) if allow_csv else ())
        return cls(
            dataset=validate.choice(dataset, datasets, "Dataset"),
            n_samples=validate.number(n_samples, config.TRAIN_SAMPLES),
            noise=validate.number(noise, config.TRAIN_NOISE),
            model=validate.choice(model, config.ARCHITECTURES, "Model"),
            hidden_sizes=parse_hidden_sizes(hidden_sizes),
            dropout=validate.number(dropout, config.DROPOUT),
            optimizer=validate.choice(optimizer, config.OPTIMIZERS, "Optimizer"),
            learning_rate=validate.number(learning_rate, config.LEARNING_RATE),
            epochs=validate.number(epochs, config.EPOCHS),
            batch_size=validate.number(batch_size, config.BATCH_SIZE),
            weight_decay=validate.number(weight_decay, config.WEIGHT_DECAY),
            l1=validate.number(l1, config.L1),
            momentum=validate.number(momentum, config.MOMENTUM),
            seed=validate.number(seed, config.SEED),
        )

    def label(self) -> str:
        """A short name for this run in tables and legends."""
        return f"{self.model} · {self.optimizer} lr={self.learning_rate:g} · seed {self.seed}"


@dataclass(frozen=True)
class EpochRecord:
    epoch: int                 # 1-based
    epochs: int                # planned total
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    elapsed_s: float

    @property
    def final(self) -> bool:
        """The run's last epoch (core.scheduler lets the run go without waiting for another turn)."""
        return self.epoch >= self.epochs


@dataclass(frozen=True)
class TrainResult:
    config: TrainConfig
    history: tuple[EpochRecord, ...]
    metrics: dict
    stopped: bool
    seconds: float
    parameters: int
    dataset_identity: str
    class_names: tuple[str, ...]
    val_proba: np.ndarray      # validation-set class probabilities, for fusion
    y_val: np.ndarray

    @property
    def epochs_completed(self) -> int:
        return len(self.history)

    def summary(self) -> dict:
        """The record the API returns: metrics plus how the run went."""
        return {
            **{k: self.metrics[k] for k in ("accuracy", "precision", "recall", "f1", "auc", "average")},
            "epochs_completed": self.epochs_completed,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
            "parameters": self.parameters,
            "dataset": self.config.dataset,
            "model": self.config.model,
            "optimizer": self.config.optimizer,
            "learning_rate": self.config.learning_rate,
            "confusion_matrix": self.metrics["confusion_matrix"],
        }


@dataclass(frozen=True)
class BoundaryGrid:
    xs: np.ndarray             # grid coordinates in the data's original units
    ys: np.ndarray
    proba: np.ndarray          # (len(ys), len(xs), n_classes)


def check_step_budget(epochs: int, batch_size: int, n_train: int) -> None:
    """Refuse, before it starts, a run longer than config.MAX_TRAIN_STEPS optimizer steps."""
    steps = epochs * math.ceil(n_train / batch_size)
    if steps > config.MAX_TRAIN_STEPS:
        raise ResourceLimit("too_many_steps", steps=f"{steps:,}", max=f"{config.MAX_TRAIN_STEPS:,}")


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    lr, wd = cfg.learning_rate, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=wd)
    if cfg.optimizer == "adam":      # weight decay here is an L2 term added to the gradient
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adamw":     # decoupled weight decay, applied to the weights directly
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adagrad":   # step sizes shrink for weights that have had large gradients
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "rmsprop":   # divides by a running average of squared gradients
        return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, weight_decay=wd)
    raise InvalidInput("Optimizer", "optimizer_unknown", value=cfg.optimizer)


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Sum of absolute weights (biases excluded): the L1 term that pushes weights to exactly zero."""
    return sum(p.abs().sum() for name, p in model.named_parameters() if not name.endswith("bias"))


@dataclass
class TrainingRun:
    """One training run: builds data and model, then trains on demand via ``epochs()``.

    ``data`` overrides the named dataset (an uploaded CSV, for instance).
    """

    config: TrainConfig
    should_stop: Callable[[], bool] = field(default=lambda: False)
    data: Dataset | None = None

    def __post_init__(self):
        cfg = self.config
        if self.data is None:
            self.data = make_dataset(cfg.dataset, cfg.n_samples, cfg.noise)
        n_train = len(self.data.y_train)
        if cfg.batch_size > n_train:
            raise InvalidInput("Batch size", "batch_too_big", batch=cfg.batch_size, rows=n_train)
        check_step_budget(cfg.epochs, cfg.batch_size, n_train)
        self.device = get_device()
        init_gen = torch.Generator().manual_seed(cfg.seed)
        self._shuffle_gen = torch.Generator().manual_seed(cfg.seed + 1)
        dropout_gen = torch.Generator(device=self.device).manual_seed(cfg.seed + 2)
        self.model = build_model(cfg.model, self.data.n_features, self.data.image_shape, cfg.hidden_sizes,
                                 self.data.n_classes, cfg.dropout, init_gen, dropout_gen).to(self.device)
        self.optimizer = make_optimizer(cfg, self.model.parameters())
        self.loss_fn = nn.CrossEntropyLoss()
        self._xt = torch.tensor(self.data.x_train).to(self.device)
        self._yt = torch.tensor(self.data.y_train).to(self.device)
        self._xv = torch.tensor(self.data.x_val).to(self.device)
        self._yv = torch.tensor(self.data.y_val).to(self.device)
        self.history: list[EpochRecord] = []
        self.stopped = False
        self._seconds = 0.0

    @property
    def parameters(self) -> int:
        return count_parameters(self.model)

    def layers(self) -> list[dict]:
        return layer_table(self.model, self.data.n_features)

    def train_step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on a batch; returns (loss, logits), detached."""
        logits = self.model(xb)
        loss = self.loss_fn(logits, yb)
        objective = loss + self.config.l1 * l1_penalty(self.model) if self.config.l1 > 0 else loss
        self.optimizer.zero_grad(set_to_none=True)
        objective.backward()
        self.optimizer.step()
        return loss.detach(), logits.detach()

    def epochs(self) -> Iterator[EpochRecord]:
        """Train, yielding one record per finished epoch.

        Stops early (``stopped`` set, partial history kept) when ``should_stop()``
        turns true; raises ``TrainingDiverged`` when the loss stops being finite,
        with the epochs recorded before it still in ``history``.
        """
        cfg = self.config
        n = len(self._yt)
        start = time.perf_counter()
        try:
            for epoch in range(len(self.history) + 1, cfg.epochs + 1):
                self.model.train()
                order = torch.randperm(n, generator=self._shuffle_gen).to(self.device)
                # Per-batch losses and logits are kept and reduced once per epoch: a few tiny
                # tensor ops per step would cost ~10% of a small model's training time.
                losses, all_logits = [], []
                for i in range(0, n, cfg.batch_size):
                    if self.should_stop():
                        self.stopped = True
                        return
                    idx = order[i:i + cfg.batch_size]
                    loss, logits = self.train_step(self._xt[idx], self._yt[idx])
                    losses.append(loss)
                    all_logits.append(logits)
                    checkpoint()                # a long epoch lets a waiting run have a core
                sizes = torch.tensor([len(t) for t in all_logits], device=self.device, dtype=torch.float32)
                train_loss = float(torch.stack(losses) @ sizes) / n
                correct = (torch.cat(all_logits).argmax(1) == self._yt[order]).sum()
                val_loss, val_acc = self._evaluate()
                if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                    raise TrainingDiverged("diverged", epoch=epoch, lr=f"{cfg.learning_rate:g}",
                                           optimizer=cfg.optimizer.upper())
                record = EpochRecord(
                    epoch=epoch, epochs=cfg.epochs, train_loss=train_loss,
                    train_accuracy=float(correct) / n, val_loss=val_loss, val_accuracy=val_acc,
                    elapsed_s=self._seconds + time.perf_counter() - start,
                )
                self.history.append(record)
                yield record
        finally:
            self._seconds += time.perf_counter() - start

    @torch.no_grad()
    def _evaluate(self) -> tuple[float, float]:
        self.model.eval()
        logits = self.model(self._xv)
        loss = float(self.loss_fn(logits, self._yv))
        acc = float((logits.argmax(1) == self._yv).float().mean())
        return loss, acc

    @torch.no_grad()
    def predict_proba(self, x_standardized: np.ndarray) -> np.ndarray:
        self.model.eval()
        x = torch.tensor(np.asarray(x_standardized), dtype=torch.float32, device=self.device)
        return torch.softmax(self.model(x), dim=1).cpu().numpy()

    def boundary(self, resolution: int = config.BOUNDARY_GRID) -> BoundaryGrid | None:
        """Class probabilities over a grid covering the data (2-feature datasets only)."""
        if not self.data.is_2d:
            return None
        raw = self.data.raw_val
        lo, hi = raw.min(axis=0), raw.max(axis=0)
        pad = (hi - lo) * 0.1
        xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
        ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
        gx, gy = np.meshgrid(xs, ys)
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        proba = self.predict_proba(self.data.standardize(grid))
        return BoundaryGrid(xs=xs, ys=ys, proba=proba.reshape(resolution, resolution, -1))

    def result(self) -> TrainResult:
        proba = self.predict_proba(self.data.x_val)
        return TrainResult(
            config=self.config, history=tuple(self.history),
            metrics=classification_metrics(self.data.y_val, proba),
            stopped=self.stopped, seconds=self._seconds, parameters=self.parameters,
            dataset_identity=self.data.identity, class_names=self.data.class_names,
            val_proba=proba, y_val=np.asarray(self.data.y_val),
        )


def warm_up() -> None:
    """Import torch, scikit-learn and plotly and run one tiny training with its plots, so that
    the first student to press Train does not wait for them (app.py runs this after launch)."""
    from core import plots

    run = TrainingRun(TrainConfig(n_samples=100, epochs=2, hidden_sizes=(8,)))
    plots.training_curves(list(run.epochs()), 2).to_json()
    plots.decision_boundary(run.boundary(), run.data).to_json()
