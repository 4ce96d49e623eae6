"""The models a workshop quantizes, and how each is judged before and after.

A model is a ``Subject``: the fp32 model (CPU, eval mode), a fixed example input for
timing, a picklable ``blank`` that builds the same architecture, and ``evaluate``, which
runs any method's copy on fixed data. core.latency sends ``blank`` and the state dict to
a worker process rather than the model itself: a torchao-quantized model and wav2vec2
(its weight-norm parametrizations) cannot be pickled whole.

``builtin(key)`` builds each built-in model once per process (concurrent callers wait
for the one build) and shares it: nothing may modify a subject's model; a method works
on its own copy (core.quantize.apply). The small ones are in core.quantize_small, GPT-2
and wav2vec2 in core.quantize_pretrained. ``from_run`` rebuilds a run of the session's
Train history with core.architectures.rebuild, the function Export's evaluate.py
carries too, and judges it on that run's own validation split.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from core import architectures, config, validate
from core.errors import InvalidInput

BUILTINS = tuple(k for k in config.QUANTIZE_MODELS if k != "trained")
EXAMPLE_ROWS = 32            # a classifier is timed on a batch of this many validation examples
LOGITS_KEPT = 65_536         # outputs kept per evaluation (evenly spaced) for the largest logit difference


@dataclass(frozen=True, eq=False)
class Subject:
    key: str                  # "mlp", "trained:3", ...
    label: str                # English words for the page, e.g. "MNIST-sized MLP (784-512-512-10)"
    kind: str                 # "classifier" | "word_lm" | "gpt2" | "wav2vec2"
    model: nn.Module          # fp32, CPU, eval; shared and cached: nobody modifies it
    example: tuple            # the fixed input for latency: model(*example)
    blank: Callable           # picklable, no arguments: the same architecture with any weights (for core.latency)
    real_weights: bool        # False: the real architecture with random weights (accuracy not shown)
    evaluate: Callable        # (model) -> Evaluation, on fixed data; any method's copy, via core.quantize.forward


@dataclass(frozen=True, eq=False)
class Evaluation:
    accuracy: float | None    # validation accuracy (classifiers and trained runs), else None
    predictions: np.ndarray   # what agreement compares: class ids / next-token ids / CTC argmax ids
    logits: np.ndarray        # a bounded sample of outputs (float32) for the largest logit difference
    perplexity: float | None  # GPT-2 on a fixed paragraph, real weights only
    text: str | None          # wav2vec2's transcript of assets/speech/sentence.wav, real weights only


def compare(before: Evaluation, after: Evaluation) -> dict:
    """How far a quantized copy's outputs moved from the original's on the same data.

    ``changed``: predictions that differ, out of ``compared``; ``agreement``: the share that
    stayed (0..1); ``max_logit_diff``: the largest absolute difference over the kept sample
    of outputs, or None when either model gave a non-finite output (fp16 overflow).
    """
    if before.predictions.shape != after.predictions.shape or before.logits.shape != after.logits.shape:
        raise ValueError("evaluations of different data cannot be compared")
    n = int(before.predictions.size)
    changed = int(np.count_nonzero(before.predictions != after.predictions))
    finite = np.isfinite(before.logits).all() and np.isfinite(after.logits).all()
    diff = float(np.max(np.abs(before.logits - after.logits), initial=0.0)) if finite else None
    return {"changed": changed, "agreement": 1.0 - changed / n if n else 1.0, "max_logit_diff": diff,
            "compared": n}


# --- the built-in models, one build per process -----------------------------------------------

_cache: dict[str, Subject] = {}
_key_locks: dict[str, threading.Lock] = {}
_cache_lock = threading.Lock()


def builtin(key: str, progress: Callable[[str], None] | None = None) -> Subject:
    """The built-in model ``key`` (one of BUILTINS), built on first use and then shared.

    ``progress`` hears the steps of a first build, each once as it starts: "loading"
    (pretrained weights), "building" (an architecture with random weights), "training"
    (a small model's brief training). A cached model calls it not at all.
    """
    key = validate.choice(key, BUILTINS, "Model")
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:                       # one build per key; others wait for it
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        subject = _build(key, progress or (lambda step: None))
        with _cache_lock:
            _cache[key] = subject
        return subject


def _build(key: str, progress: Callable[[str], None]) -> Subject:
    import importlib

    module, builder = _BUILDERS[key].split(":")
    return getattr(importlib.import_module(module), builder)(progress)


_BUILDERS = {"mlp": "core.quantize_small:tutorial_mlp", "mlp_mnist": "core.quantize_small:mnist_mlp",
             "lstm": "core.quantize_small:lstm_classifier", "lstm_lm": "core.quantize_small:word_lm",
             "gpt2": "core.quantize_pretrained:gpt2", "wav2vec2": "core.quantize_pretrained:wav2vec2"}


def clear_cache() -> None:
    """Forget every built model (tests; or freeing memory)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()


# --- a run of the Train history, and the classifiers ---------------------------------------------

def from_run(record) -> Subject:
    """A run of the session's Train history (a core.runs.RunRecord), rebuilt from its config and
    weights and judged on its own validation split: its accuracy is the run's reported one."""
    if record is None:
        raise InvalidInput("Model", "quantize_no_run")
    if record.weights is None:
        raise InvalidInput("Model", "quantize_run_without_weights", id=record.id)
    meta = architectures.run_meta(record.result.config, record.data)
    return classifier_subject(f"trained:{record.id}", f"Run {record.label}", meta, record.weights, record.data)


def classifier_subject(key: str, label: str, meta: dict, weights: dict, data) -> Subject:
    """A Train-tab architecture (``meta`` as core.architectures.run_meta gives it) with ``weights``,
    judged on ``data``'s validation split and timed on its first EXAMPLE_ROWS examples."""
    model = locked_build(architectures.rebuild, meta, weights)
    x = torch.tensor(np.asarray(data.x_val, dtype=np.float32))
    y = np.asarray(data.y_val, dtype=np.int64)
    return Subject(key=key, label=label, kind="classifier", model=model, example=(x[:EXAMPLE_ROWS].clone(),),
                   blank=functools.partial(locked_build, architectures.rebuild, meta, None), real_weights=True,
                   evaluate=functools.partial(_evaluate_classifier, x, y))


def _evaluate_classifier(x: torch.Tensor, y: np.ndarray, model: nn.Module) -> Evaluation:
    logits = run(model, (x,))
    predictions = logits.argmax(-1).numpy()
    return Evaluation(accuracy=float(np.mean(predictions == y)), predictions=predictions,
                      logits=kept_logits(logits), perplexity=None, text=None)


# --- shared by the model families ----------------------------------------------------------------

def locked_build(factory: Callable, *args, **kwargs) -> nn.Module:
    """``factory(*args, **kwargs)`` while holding core.device.model_building (transformers patches torch's
    initialisers process-wide while it loads a model): what every ``blank`` calls."""
    from core.device import model_building

    with model_building:
        return factory(*args, **kwargs)


def run(model: nn.Module, inputs: tuple) -> torch.Tensor:
    """The model's float32 outputs for ``inputs``, through core.quantize.forward (which casts the
    inputs to an fp16/bf16 model's dtype): how every evaluation runs a model."""
    from core.quantize import forward

    return forward(model, inputs).detach().cpu()


def kept_logits(logits: torch.Tensor) -> np.ndarray:
    """At most LOGITS_KEPT of ``logits``, float32, evenly spaced: the same positions for every copy."""
    flat = logits.reshape(-1).float().numpy()
    if flat.size <= LOGITS_KEPT:
        return flat.copy()
    return flat[np.linspace(0, flat.size - 1, LOGITS_KEPT).astype(np.int64)]
