"""Seconds per epoch of each architecture: DL Lab's core trainer against a bare PyTorch loop.

    python bench/train_archs.py [--epochs 5] [--reps 3]

Both train the same model (same initial weights) on the same digits tensors with
Adam and batch 32. The bare loop is what a tutorial writes: shuffle, forward,
cross-entropy, backward, step. The core trainer also tracks loss and accuracy,
evaluates on the validation set each epoch and checks for divergence and Stop.
They alternate A B A B; the ratio is bare seconds / core seconds per epoch (goal
>= 0.9 for each architecture), the smallest printed last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core.architectures import build_model  # noqa: E402
from core.train import TrainConfig, TrainingRun  # noqa: E402


def core_seconds_per_epoch(arch: str, epochs: int) -> float:
    run = TrainingRun(TrainConfig.from_user(dataset="digits", model=arch, epochs=epochs, hidden_sizes="64"))
    start = time.perf_counter()
    for _ in run.epochs():
        pass
    return (time.perf_counter() - start) / epochs


def bare_seconds_per_epoch(arch: str, epochs: int) -> float:
    template = TrainingRun(TrainConfig.from_user(dataset="digits", model=arch, epochs=1, hidden_sizes="64"))
    data = template.data
    model = build_model(arch, data.n_features, data.image_shape, (64,), data.n_classes, 0.0,
                        torch.Generator().manual_seed(0), torch.Generator().manual_seed(2))
    x, y = torch.tensor(data.x_train), torch.tensor(data.y_train)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), 32):
            idx = order[i:i + 32]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return (time.perf_counter() - start) / epochs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    ratios = {}
    print(f"digits, batch 32, Adam, hidden 64, {args.epochs} epochs, torch threads {torch.get_num_threads()}")
    for arch in ("mlp", "cnn", "lstm", "transformer"):
        core_seconds_per_epoch(arch, 1)
        bare_seconds_per_epoch(arch, 1)
        core, bare = [], []
        for _ in range(args.reps):
            core.append(core_seconds_per_epoch(arch, args.epochs))
            bare.append(bare_seconds_per_epoch(arch, args.epochs))
        ratios[arch] = statistics.median(bare) / statistics.median(core)
        print(f"{arch:12s} core trainer {statistics.median(core) * 1000:7.1f} ms/epoch   "
              f"bare loop {statistics.median(bare) * 1000:7.1f} ms/epoch   ratio {ratios[arch]:.2f}")
    worst = min(ratios, key=ratios.get)
    print(f"ratio: {ratios[worst]:.2f} (goal ≥ 0.9, lowest of the four: {worst})")


if __name__ == "__main__":
    main()
