"""Training speed through the app's API with live plots, against the bare core training loop.

    python bench/train_overhead.py [--reps 3] [--epochs 150]

A: `python app.py` is started and driven with gradio_client (/train, every live
plot update streamed to the client); epochs per second from submit to last update.
B: core.train.TrainingRun on the same config in this process, nothing rendered.
They alternate A B A B after one warm-up each. Prints the ratio A/B last (goal >= 0.85).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.startup import free_port  # noqa: E402

CONFIG = dict(dataset="moons", hidden_sizes="64, 64", optimizer="adam", learning_rate=0.01,
              batch_size=32, dropout=0.1, weight_decay=0.0, seed=0, n_samples=2000, noise=0.2)


def api_epochs_per_s(client, epochs: int) -> float:
    start = time.perf_counter()
    metrics = client.predict(**CONFIG, epochs=epochs, api_name="/train")[-1]
    elapsed = time.perf_counter() - start
    assert metrics["epochs_completed"] == epochs
    return epochs / elapsed


def core_epochs_per_s(epochs: int) -> float:
    from core.train import TrainConfig, TrainingRun

    cfg = TrainConfig.from_user(**CONFIG, epochs=epochs)
    start = time.perf_counter()
    run = TrainingRun(cfg)
    for _ in run.epochs():
        pass
    run.result()
    return epochs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=150)
    args = parser.parse_args()
    from gradio_client import Client

    from tests.conftest import wait_for_http

    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, app)
        client = Client(url, verbose=False)
        api_epochs_per_s(client, 10)
        core_epochs_per_s(10)
        api, core = [], []
        for _ in range(args.reps):
            api.append(api_epochs_per_s(client, args.epochs))
            core.append(core_epochs_per_s(args.epochs))
    finally:
        app.terminate()
        app.wait(10)
    print(f"config: {CONFIG['dataset']}, {CONFIG['n_samples']} samples, MLP {CONFIG['hidden_sizes']}, "
          f"batch {CONFIG['batch_size']}, {args.epochs} epochs")
    print(f"app API with live plots: median {statistics.median(api):.1f} epochs/s  (runs: {', '.join(f'{v:.1f}' for v in api)})")
    print(f"bare core loop:          median {statistics.median(core):.1f} epochs/s  (runs: {', '.join(f'{v:.1f}' for v in core)})")
    print(f"ratio: {statistics.median(api) / statistics.median(core):.2f} (goal ≥ 0.85)")


if __name__ == "__main__":
    main()
