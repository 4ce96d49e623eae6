"""The same MLP written in NumPy alone: forward pass, loss, backpropagation and SGD by hand.

It starts from exactly the PyTorch model's initial weights and sees the same batches
as a PyTorch twin trained with ``torch.optim.SGD``; both run in float64, so their
curves lie on top of each other and their gradients agree to rounding error. That
agreement is the lesson: autograd computes what the hand-written chain rule does.
"""

from __future__ import annotations

import inspect
import math
import textwrap
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from core import config, validate
from core.datasets import make_dataset
from core.errors import TrainingDiverged


# ---- the network, by hand -------------------------------------------------------------

class NumpyMLP:
    """Linear -> ReLU layers, then a linear output layer. Weights are (out, in), as in torch."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray]):
        self.W = [w.astype(np.float64).copy() for w in weights]
        self.b = [b.astype(np.float64).copy() for b in biases]

    def forward(self, x):
        """Returns the output and what backward() needs: every layer's input and pre-activation."""
        cache = []
        a = x
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = a @ W.T + b
            cache.append((a, z))
            a = np.maximum(z, 0.0) if i < len(self.W) - 1 else z
        return a, cache

    def backward(self, d_out, cache):
        """Chain rule from the output back to every weight: returns (dW, db) per layer."""
        grads_W, grads_b = [None] * len(self.W), [None] * len(self.W)
        delta = d_out
        for i in reversed(range(len(self.W))):
            a_in, z = cache[i]
            if i < len(self.W) - 1:
                delta = delta * (z > 0)          # ReLU passes gradient only where it was active
            grads_W[i] = delta.T @ a_in
            grads_b[i] = delta.sum(axis=0)
            delta = delta @ self.W[i]             # gradient with respect to this layer's input
        return grads_W, grads_b

    def sgd_step(self, grads_W, grads_b, lr):
        """The SGD update rule: step every weight against its gradient."""
        for i in range(len(self.W)):
            self.W[i] -= lr * grads_W[i]
            self.b[i] -= lr * grads_b[i]


def softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)   # same result, no overflow
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    p = softmax(logits)
    n = len(y)
    loss = -np.log(p[np.arange(n), y] + 1e-300).mean()
    d = p.copy()
    d[np.arange(n), y] -= 1.0
    return loss, d / n


def mse(outputs, y):
    """Mean squared error between the outputs and one-hot targets, and its gradient."""
    target = np.eye(outputs.shape[1])[y]
    diff = outputs - target
    return (diff ** 2).mean(), 2.0 * diff / diff.size


LOSSES = {"cross_entropy": cross_entropy, "mse": mse}


def update_step_source() -> str:
    """The NumPy code of one training step, as the page shows it."""
    parts = [inspect.getsource(f) for f in (cross_entropy, mse)]
    parts += [inspect.getsource(NumpyMLP.forward), inspect.getsource(NumpyMLP.backward),
              inspect.getsource(NumpyMLP.sgd_step)]
    return "\n".join(textwrap.dedent(p) for p in parts)


# ---- config, records and the side-by-side run --------------------------------------

@dataclass(frozen=True)
class ScratchConfig:
    dataset: str = "moons"
    n_samples: int = int(config.TRAIN_SAMPLES.default)
    noise: float = config.TRAIN_NOISE.default
    hidden_sizes: tuple[int, ...] = (16,)
    learning_rate: float = 0.1
    epochs: int = 30
    batch_size: int = 32
    seed: int = 0
    loss: str = "cross_entropy"

    @classmethod
    def from_user(cls, dataset="moons", hidden_sizes="16", learning_rate=0.1, epochs=30, batch_size=32,
                  seed=0, loss="cross_entropy", n_samples=config.TRAIN_SAMPLES.default,
                  noise=config.TRAIN_NOISE.default) -> "ScratchConfig":
        from core.train import parse_hidden_sizes

        return cls(
            dataset=validate.choice(dataset, config.DATASETS, "Dataset"),
            n_samples=validate.number(n_samples, config.TRAIN_SAMPLES),
            noise=validate.number(noise, config.TRAIN_NOISE),
            hidden_sizes=parse_hidden_sizes(hidden_sizes),
            learning_rate=validate.number(learning_rate, config.LEARNING_RATE),
            epochs=validate.number(epochs, config.EPOCHS),
            batch_size=validate.number(batch_size, config.BATCH_SIZE),
            seed=validate.number(seed, config.SEED),
            loss=validate.choice(loss, config.LOSSES, "Loss"),
        )


@dataclass(frozen=True)
class ScratchEpoch:
    epoch: int
    epochs: int
    numpy_loss: float
    torch_loss: float
    numpy_val_accuracy: float
    torch_val_accuracy: float


@dataclass(frozen=True)
class ScratchResult:
    history: tuple[ScratchEpoch, ...]
    numpy_accuracy: float
    torch_accuracy: float
    max_grad_diff: float
    stopped: bool
    seconds: float

    def summary(self) -> dict:
        last = self.history[-1] if self.history else None
        return {"numpy_accuracy": round(self.numpy_accuracy, 4), "torch_accuracy": round(self.torch_accuracy, 4),
                "max_grad_diff": self.max_grad_diff, "epochs_completed": len(self.history),
                "numpy_final_loss": last.numpy_loss if last else None,
                "torch_final_loss": last.torch_loss if last else None,
                "stopped": self.stopped, "seconds": round(self.seconds, 3)}


class ScratchRun:
    """NumPy network and its PyTorch twin, same initial weights, same batches, float64."""

    def __init__(self, cfg: ScratchConfig, should_stop: Callable[[], bool] = lambda: False):
        import torch

        from core.architectures import build_model
        from core.train import check_step_budget

        self.cfg = cfg
        self.should_stop = should_stop
        self.data = make_dataset(cfg.dataset, cfg.n_samples, cfg.noise)
        check_step_budget(cfg.epochs, cfg.batch_size, len(self.data.y_train))
        gen = torch.Generator().manual_seed(cfg.seed)
        self.torch_model = build_model("mlp", self.data.n_features, None, cfg.hidden_sizes, self.data.n_classes,
                                       0.0, gen, gen).double()
        linears = [m for m in self.torch_model if isinstance(m, torch.nn.Linear)]
        self.numpy_model = NumpyMLP([m.weight.detach().numpy() for m in linears],
                                    [m.bias.detach().numpy() for m in linears])
        self.optimizer = torch.optim.SGD(self.torch_model.parameters(), lr=cfg.learning_rate)
        self.rng = np.random.default_rng(cfg.seed)
        self.x = self.data.x_train.astype(np.float64)
        self.y = np.asarray(self.data.y_train)
        self.xv = self.data.x_val.astype(np.float64)
        self.yv = np.asarray(self.data.y_val)
        self.history: list[ScratchEpoch] = []
        self.max_grad_diff = float("nan")
        self.stopped = False
        self.seconds = 0.0

    def _torch_loss(self, out, y):
        import torch.nn.functional as F

        if self.cfg.loss == "cross_entropy":
            return F.cross_entropy(out, y)
        return F.mse_loss(out, F.one_hot(y, out.shape[1]).double())

    def gradient_difference(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """Largest |NumPy gradient - autograd gradient| over every weight and bias, on one batch."""
        import torch

        out, cache = self.numpy_model.forward(xb)
        _, d_out = LOSSES[self.cfg.loss](out, yb)
        gW, gb = self.numpy_model.backward(d_out, cache)
        self.torch_model.zero_grad()
        self._torch_loss(self.torch_model(torch.from_numpy(xb)), torch.from_numpy(yb)).backward()
        linears = [m for m in self.torch_model if isinstance(m, torch.nn.Linear)]
        diffs = [np.abs(g - m.weight.grad.numpy()).max() for g, m in zip(gW, linears)]
        diffs += [np.abs(g - m.bias.grad.numpy()).max() for g, m in zip(gb, linears)]
        return float(max(diffs))

    def epochs(self) -> Iterator[ScratchEpoch]:
        import torch

        cfg, n = self.cfg, len(self.y)
        loss_fn = LOSSES[cfg.loss]
        start = time.perf_counter()
        try:
            for epoch in range(1, cfg.epochs + 1):
                order = self.rng.permutation(n)
                np_sum = t_sum = 0.0
                for i in range(0, n, cfg.batch_size):
                    if self.should_stop():
                        self.stopped = True
                        return
                    idx = order[i:i + cfg.batch_size]
                    xb, yb = self.x[idx], self.y[idx]
                    if epoch == 1 and i == 0:
                        self.max_grad_diff = self.gradient_difference(xb, yb)
                    # NumPy: forward, loss, backward, update
                    out, cache = self.numpy_model.forward(xb)
                    loss, d_out = loss_fn(out, yb)
                    gW, gb = self.numpy_model.backward(d_out, cache)
                    self.numpy_model.sgd_step(gW, gb, cfg.learning_rate)
                    # PyTorch: the same step by autograd and torch.optim.SGD
                    t_loss = self._torch_loss(self.torch_model(torch.from_numpy(xb)), torch.from_numpy(yb))
                    self.optimizer.zero_grad()
                    t_loss.backward()
                    self.optimizer.step()
                    np_sum += float(loss) * len(idx)
                    t_sum += float(t_loss.detach()) * len(idx)
                if not (math.isfinite(np_sum) and math.isfinite(t_sum)):
                    raise TrainingDiverged("diverged_scratch", epoch=epoch, lr=f"{cfg.learning_rate:g}")
                record = ScratchEpoch(epoch=epoch, epochs=cfg.epochs, numpy_loss=np_sum / n, torch_loss=t_sum / n,
                                      numpy_val_accuracy=self._numpy_accuracy(),
                                      torch_val_accuracy=self._torch_accuracy())
                self.history.append(record)
                yield record
        finally:
            self.seconds += time.perf_counter() - start

    def _numpy_accuracy(self) -> float:
        return float((self.numpy_model.forward(self.xv)[0].argmax(1) == self.yv).mean())

    def _torch_accuracy(self) -> float:
        import torch

        with torch.no_grad():
            return float((self.torch_model(torch.from_numpy(self.xv)).argmax(1).numpy() == self.yv).mean())

    def result(self) -> ScratchResult:
        return ScratchResult(history=tuple(self.history), numpy_accuracy=self._numpy_accuracy(),
                             torch_accuracy=self._torch_accuracy(), max_grad_diff=self.max_grad_diff,
                             stopped=self.stopped, seconds=self.seconds)
