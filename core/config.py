"""Every limit and setting of DL Lab, in one place.

The UI reads these to set slider ranges and defaults; core's validation reads the
same objects, so a control can never offer a value that validation refuses.
Settings come from ``DLLAB_*`` environment variables, read when asked for so that
tests and launchers can change them without reloading the module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class NumberLimit:
    """An allowed closed range for one numeric control, with its default."""

    label: str
    minimum: float
    maximum: float
    default: float
    integer: bool = False


# --- Train tab -------------------------------------------------------------
DATASETS = ("moons", "circles", "classification", "digits")
ARCHITECTURES = ("mlp", "cnn", "lstm", "transformer")
OPTIMIZERS = ("sgd", "adam", "adamw", "adagrad", "rmsprop")
LOSSES = ("cross_entropy", "mse")

TRAIN_SAMPLES = NumberLimit("Samples", 100, 5000, 1000, integer=True)
TRAIN_NOISE = NumberLimit("Noise", 0.0, 1.0, 0.2)
LEARNING_RATE = NumberLimit("Learning rate", 1e-6, 10.0, 0.01)
EPOCHS = NumberLimit("Epochs", 1, 300, 40, integer=True)
BATCH_SIZE = NumberLimit("Batch size", 1, 1024, 32, integer=True)
DROPOUT = NumberLimit("Dropout", 0.0, 0.9, 0.0)
WEIGHT_DECAY = NumberLimit("Weight decay", 0.0, 1.0, 0.0)
L1 = NumberLimit("L1", 0.0, 0.1, 0.0)
MOMENTUM = NumberLimit("Momentum", 0.0, 0.99, 0.9)
SEED = NumberLimit("Seed", 0, 2**31 - 1, 0, integer=True)

MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 512
DEFAULT_HIDDEN_SIZES = "64, 64"
MAX_TEXT_FIELD_CHARS = 200      # longest text a short field (like hidden sizes) may hold
MAX_TRAIN_STEPS = 150_000       # optimizer steps per run: epochs x batches per epoch
MAX_SWEEP_RUNS = 12             # learning rates x optimizers in one sweep
DEFAULT_SWEEP_RATES = "0.001, 0.01, 0.1"
MAX_HISTORY_RUNS = 20           # finished runs kept per browser session (oldest dropped first)
MAX_FUSION_RUNS = 8
VALIDATION_FRACTION = 0.25
DATA_SEED = 0                   # data and split are fixed, so runs differ only by model seed
PLOT_INTERVAL_S = 0.4           # live plots refresh at most this often
BOUNDARY_GRID = 60              # decision-boundary grid resolution per axis

# --- Your own data (CSV upload) -------------------------------------------------
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 20_000
CSV_MAX_FEATURES = 100
CSV_MAX_CLASSES = 20
CSV_MIN_ROWS = 20

# --- Pretrained models -------------------------------------------------------
DEFAULT_TEXT_MODEL = "openai-community/gpt2"
DEFAULT_ASR_MODEL = "facebook/wav2vec2-base-960h"
HUB_PROBE_TIMEOUT_S = 3.0       # how long to wait before calling the hub unreachable


@dataclass(frozen=True)
class Settings:
    text_model: str
    asr_model: str
    device: str
    threads: int | None
    train_concurrency: int


def _int_env(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def settings() -> Settings:
    """The current settings, read from the environment."""
    return Settings(
        text_model=os.environ.get("DLLAB_TEXT_MODEL", "").strip() or DEFAULT_TEXT_MODEL,
        asr_model=os.environ.get("DLLAB_ASR_MODEL", "").strip() or DEFAULT_ASR_MODEL,
        device=os.environ.get("DLLAB_DEVICE", "").strip().lower() or "auto",
        threads=_int_env("DLLAB_THREADS", None),
        train_concurrency=_int_env("DLLAB_TRAIN_CONCURRENCY", 4),
    )
