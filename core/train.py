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
from core.datasets import Dataset, make_dataset
from core.device import get_device
from core.errors import InvalidInput, ResourceLimit, TrainingDiverged
from core.metrics import classification_metrics

MAX_TRAIN_STEPS = 150_000   # optimizer steps per run: epochs x batches per epoch


def parse_hidden_sizes(text) -> tuple[int, ...]:
    """'64, 64' -> (64, 64). Empty text means no hidden layer (logistic regression)."""
    label = "Hidden layer sizes"
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    text = validate.short_text(text, label)
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if len(parts) > config.MAX_HIDDEN_LAYERS:
        raise InvalidInput(label, f"{label}: at most {config.MAX_HIDDEN_LAYERS} layers, got {len(parts)}.")
    sizes = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= config.MAX_HIDDEN_UNITS:
            raise InvalidInput(
                label,
                f"{label} must be whole numbers from 1 to {config.MAX_HIDDEN_UNITS} separated by commas "
                f"(like '64, 64'); '{part[:20]}' is not.",
            )
        sizes.append(int(part))
    return tuple(sizes)


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "moons"
    n_samples: int = int(config.TRAIN_SAMPLES.default)
    noise: float = config.TRAIN_NOISE.default
    hidden_sizes: tuple[int, ...] = (64, 64)
    dropout: float = config.DROPOUT.default
    optimizer: str = "adam"
    learning_rate: float = config.LEARNING_RATE.default
    epochs: int = int(config.EPOCHS.default)
    batch_size: int = int(config.BATCH_SIZE.default)
    weight_decay: float = config.WEIGHT_DECAY.default
    momentum: float = config.MOMENTUM.default
    seed: int = int(config.SEED.default)

    @classmethod
    def from_user(cls, dataset="moons", n_samples=config.TRAIN_SAMPLES.default,
                  noise=config.TRAIN_NOISE.default, hidden_sizes=config.DEFAULT_HIDDEN_SIZES,
                  dropout=config.DROPOUT.default, optimizer="adam",
                  learning_rate=config.LEARNING_RATE.default, epochs=config.EPOCHS.default,
                  batch_size=config.BATCH_SIZE.default, weight_decay=config.WEIGHT_DECAY.default,
                  momentum=config.MOMENTUM.default, seed=config.SEED.default) -> "TrainConfig":
        """A config from raw page or API values, each checked against core.config."""
        return cls(
            dataset=validate.choice(dataset, config.DATASETS, "Dataset"),
            n_samples=validate.number(n_samples, config.TRAIN_SAMPLES),
            noise=validate.number(noise, config.TRAIN_NOISE),
            hidden_sizes=parse_hidden_sizes(hidden_sizes),
            dropout=validate.number(dropout, config.DROPOUT),
            optimizer=validate.choice(optimizer, config.OPTIMIZERS, "Optimizer"),
            learning_rate=validate.number(learning_rate, config.LEARNING_RATE),
            epochs=validate.number(epochs, config.EPOCHS),
            batch_size=validate.number(batch_size, config.BATCH_SIZE),
            weight_decay=validate.number(weight_decay, config.WEIGHT_DECAY),
            momentum=validate.number(momentum, config.MOMENTUM),
            seed=validate.number(seed, config.SEED),
        )


@dataclass(frozen=True)
class EpochRecord:
    epoch: int                 # 1-based
    epochs: int                # planned total
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    elapsed_s: float


@dataclass(frozen=True)
class TrainResult:
    config: TrainConfig
    history: tuple[EpochRecord, ...]
    metrics: dict
    stopped: bool
    seconds: float
    parameters: int

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
            "confusion_matrix": self.metrics["confusion_matrix"],
        }


@dataclass(frozen=True)
class BoundaryGrid:
    xs: np.ndarray             # grid coordinates in the data's original units
    ys: np.ndarray
    proba: np.ndarray          # (len(ys), len(xs), n_classes)


class SeededDropout(nn.Module):
    """Inverted dropout whose masks come from a given generator, not the global RNG."""

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__()
        self.p = p
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p, generator=self.generator)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def build_mlp(n_inputs: int, hidden_sizes: tuple[int, ...], n_classes: int, dropout: float,
              init_generator: torch.Generator, dropout_generator: torch.Generator) -> nn.Sequential:
    """Linear -> ReLU -> Dropout per hidden layer, then one output unit per class (logits)."""
    layers: list[nn.Module] = []
    width = n_inputs
    for size in hidden_sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(SeededDropout(dropout, dropout_generator))
        width = size
    layers.append(nn.Linear(width, n_classes))
    model = nn.Sequential(*layers)
    for layer in model:
        if isinstance(layer, nn.Linear):
            # nn.Linear's own default initialisation, drawn from our generator.
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=init_generator)
            bound = 1.0 / math.sqrt(layer.in_features)
            nn.init.uniform_(layer.bias, -bound, bound, generator=init_generator)
    return model


def make_optimizer(name: str, params, cfg: TrainConfig) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=cfg.learning_rate, momentum=cfg.momentum,
                               weight_decay=cfg.weight_decay)
    if name == "adam":   # weight decay here is an L2 term added to the gradient
        return torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    if name == "adamw":  # decoupled weight decay, applied to the weights directly
        return torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    raise InvalidInput("Optimizer", f"Unknown optimizer '{name}'.")


@dataclass
class TrainingRun:
    """One training run: builds data and model, then trains on demand via ``epochs()``."""

    config: TrainConfig
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self):
        cfg = self.config
        self.data: Dataset = make_dataset(cfg.dataset, cfg.n_samples, cfg.noise)
        steps = cfg.epochs * math.ceil(len(self.data.y_train) / cfg.batch_size)
        if steps > MAX_TRAIN_STEPS:
            raise ResourceLimit(
                f"This run would take {steps:,} optimizer steps (epochs x batches per epoch); "
                f"the limit is {MAX_TRAIN_STEPS:,}. Use a larger batch size or fewer epochs."
            )
        self.device = get_device()
        init_gen = torch.Generator().manual_seed(cfg.seed)
        self._shuffle_gen = torch.Generator().manual_seed(cfg.seed + 1)
        dropout_gen = torch.Generator(device=self.device).manual_seed(cfg.seed + 2)
        self.model = build_mlp(self.data.n_features, cfg.hidden_sizes, self.data.n_classes,
                               cfg.dropout, init_gen, dropout_gen).to(self.device)
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), cfg)
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
        return sum(p.numel() for p in self.model.parameters())

    def epochs(self) -> Iterator[EpochRecord]:
        """Train, yielding one record per finished epoch.

        Stops early (``stopped`` set, partial history kept) when ``should_stop()``
        turns true; raises ``TrainingDiverged`` when the loss stops being finite,
        with the epochs recorded before it still in ``history``.
        """
        cfg = self.config
        n = len(self._yt)
        start = time.perf_counter()
        for epoch in range(len(self.history) + 1, cfg.epochs + 1):
            self.model.train()
            order = torch.randperm(n, generator=self._shuffle_gen).to(self.device)
            loss_sum = torch.zeros((), device=self.device)
            correct = torch.zeros((), device=self.device, dtype=torch.long)
            for i in range(0, n, cfg.batch_size):
                if self.should_stop():
                    self.stopped = True
                    self._seconds += time.perf_counter() - start
                    return
                idx = order[i:i + cfg.batch_size]
                xb, yb = self._xt[idx], self._yt[idx]
                logits = self.model(xb)
                loss = self.loss_fn(logits, yb)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                loss_sum += loss.detach() * len(idx)
                correct += (logits.detach().argmax(1) == yb).sum()
            train_loss = float(loss_sum) / n
            val_loss, val_acc = self._evaluate()
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                self._seconds += time.perf_counter() - start
                raise TrainingDiverged(
                    f"Training diverged at epoch {epoch}: the loss became {train_loss if not math.isfinite(train_loss) else val_loss}. "
                    f"A learning rate of {cfg.learning_rate:g} is too large for {cfg.optimizer.upper()} here; "
                    "try one ten times smaller. The curves up to the last good epoch are kept."
                )
            record = EpochRecord(
                epoch=epoch, epochs=cfg.epochs, train_loss=train_loss,
                train_accuracy=float(correct) / n, val_loss=val_loss, val_accuracy=val_acc,
                elapsed_s=self._seconds + time.perf_counter() - start,
            )
            self.history.append(record)
            yield record
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
        )
