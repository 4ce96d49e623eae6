"""One quantization study: a model, the methods chosen, and what each does to size, speed and accuracy.

``QuantizeConfig.from_user`` checks what the page or the API sent. ``QuantizeRun.steps()`` is a
generator of progress records (building the model, each method, the latency worker), and
``result()`` gives one ``MethodResult`` per method: bytes really saved, parameters, the modules it
replaced, latency at one thread and at all threads (measured in a worker process, core.latency),
accuracy before and after, and the weight histograms of every layer it shows.

A method that does not apply to the model is not an error on its own: its record says why. A
request where no method applies is refused with the first one's reason. Results for the built-in models are cached per process,
keyed by (model, method): a second student asking the same gets them at once.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

import numpy as np

from core import config, validate
from core.errors import InvalidInput

# The most a method can shrink fp32 weights: 32 bits to 8, 16 or 4.
PHYSICAL_LIMIT = {"dynamic_int8": 4.0, "dynamic_int8_naive": 4.0, "fp16": 2.0, "bf16": 2.0,
                  "torchao_int8_weight": 4.0, "torchao_int8_dynamic": 4.0, "torchao_int4_weight": 8.0}


@dataclass(frozen=True)
class QuantizeConfig:
    model: str = "mlp"                       # a key of config.QUANTIZE_MODELS, or "trained:<id>"
    methods: tuple[str, ...] = ("dynamic_int8",)

    @classmethod
    def from_user(cls, model="mlp", methods=None, history=None) -> "QuantizeConfig":
        """Check the model's name (``trained`` is the newest run of ``history`` that still has its
        weights, ``trained:<id>`` one of them) and the methods (a list, or text "a, b")."""
        if model is None:
            model = "mlp"
        text = validate.short_text(model, "Model", 40) if isinstance(model, str) else model
        if isinstance(text, str) and text.lower().startswith("trained"):
            key = _trained_key(text, history)
        else:
            key = validate.choice(text, config.QUANTIZE_MODELS[1:] + ("trained",), "Model")
        chosen = validate.choices(["dynamic_int8"] if methods is None else methods, config.QUANTIZE_METHODS,
                                  "Methods", len(config.QUANTIZE_METHODS))
        return cls(model=key, methods=tuple(chosen))


def _trained_key(text: str, history) -> str:
    """'trained:<id>' for the run ``text`` names in this session's history (the newest when bare)."""
    head, _, rest = text.strip().partition(":")
    if head.strip().lower() != "trained":
        validate.choice(text, config.QUANTIZE_MODELS, "Model")        # not a model's name: says which are
    if history is None or history.last_with_weights() is None:
        raise InvalidInput("Model", "quantize_no_run")
    if not rest.strip():
        return f"trained:{history.last_with_weights().id}"
    record = history.get(rest.strip())[0]
    if record.weights is None:
        raise InvalidInput("Model", "quantize_run_without_weights", id=record.id)
    return f"trained:{record.id}"


@dataclass(frozen=True)
class Progress:
    stage: str              # "model", "baseline", "method", "latency"
    done: int
    total: int
    method: str | None = None


@dataclass(frozen=True)
class LayerHistogram:
    """One layer's weights before and after a method: the whole range, and a close-up in grid steps."""
    layer: str
    edges: np.ndarray               # bins of the whole range (weight values)
    before: np.ndarray              # counts
    after: np.ndarray
    step: float | None              # the int8 grid's step (a typical row's scale) when there is a grid
    zoom_edges: np.ndarray | None   # bins of the close-up, in steps of the grid
    zoom_before: np.ndarray | None
    zoom_after: np.ndarray | None


@dataclass(frozen=True)
class MethodResult:
    method: str
    why_not: str | None                     # the message key when the method does not apply; figures are None
    why_not_params: dict = field(default_factory=dict)
    bytes: int | None = None
    bytes_fp32: int | None = None
    params: int | None = None
    modules_replaced: int | None = None
    modules: tuple = ()                     # core.quantize.module_table rows
    accuracy_before: float | None = None
    accuracy_after: float | None = None
    changed: int | None = None              # predictions that differ from the fp32 model's
    compared: int | None = None             # out of how many
    agreement: float | None = None
    max_logit_diff: float | None = None
    perplexity_before: float | None = None
    perplexity_after: float | None = None
    text_before: str | None = None
    text_after: str | None = None
    latency_ms_1t: float | None = None
    latency_ms_all: float | None = None
    latency_fp32_ms_1t: float | None = None
    latency_fp32_ms_all: float | None = None
    histograms: tuple = ()                  # LayerHistogram per shown layer
    seconds: float = 0.0                    # how long applying and measuring took

    @property
    def ratio(self) -> float | None:
        return self.bytes_fp32 / self.bytes if self.bytes else None

    @property
    def speedup(self) -> float | None:
        """fp32's latency ÷ this method's, at all threads (above 1 is faster)."""
        if self.latency_ms_all and self.latency_fp32_ms_all:
            return self.latency_fp32_ms_all / self.latency_ms_all
        return None

    @property
    def speedup_1t(self) -> float | None:
        if self.latency_ms_1t and self.latency_fp32_ms_1t:
            return self.latency_fp32_ms_1t / self.latency_ms_1t
        return None

    def summary(self) -> dict:
        """The record the API returns for this method."""
        def r(x, n=4):
            return None if x is None else round(float(x), n)

        from core.messages import render

        return {
            "method": self.method, "applies": self.why_not is None,
            "why_not": render(self.why_not, self.why_not_params) if self.why_not else None,
            "bytes": self.bytes, "bytes_fp32": self.bytes_fp32, "ratio": r(self.ratio, 3),
            "limit": PHYSICAL_LIMIT[self.method], "params": self.params,
            "latency_ms_1t": r(self.latency_ms_1t, 3), "latency_ms_all": r(self.latency_ms_all, 3),
            "latency_fp32_ms_1t": r(self.latency_fp32_ms_1t, 3), "latency_fp32_ms_all": r(self.latency_fp32_ms_all, 3),
            "speedup": r(self.speedup, 3), "speedup_1t": r(self.speedup_1t, 3),
            "accuracy_before": r(self.accuracy_before), "accuracy_after": r(self.accuracy_after),
            "changed": self.changed, "compared": self.compared, "agreement": r(self.agreement),
            "max_logit_diff": r(self.max_logit_diff, 6), "perplexity_before": r(self.perplexity_before, 3),
            "perplexity_after": r(self.perplexity_after, 3), "text_before": self.text_before,
            "text_after": self.text_after, "modules_replaced": self.modules_replaced,
        }


@dataclass(frozen=True)
class QuantizeResult:
    model: str
    label: str
    kind: str
    real_weights: bool
    methods: tuple[MethodResult, ...]
    threads_all: int | None
    busy: float | None                  # how busy the machine was while latency was measured (0..1)
    busy_source: str | None
    params: int
    stopped: bool = False

    def records(self) -> list[dict]:
        return [m.summary() for m in self.methods]


# ------------------------------------------------------------------------------------------ the cache

_cache: dict[tuple[str, str], MethodResult] = {}
_baseline: dict[str, tuple] = {}        # model key -> (bytes, params, Evaluation) of the fp32 model
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _baseline.clear()


def _cacheable(key: str) -> bool:
    return not key.startswith("trained:")       # a session's own run: computed each time (it is small)


# ------------------------------------------------------------------------------------------ the run

@dataclass
class QuantizeRun:
    """One study of ``config.model`` under ``config.methods``; ``history`` resolves trained runs."""

    config: QuantizeConfig
    history: object = None
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self):
        self._results: dict[str, MethodResult] = {}
        self._subject = None
        self._latency = None
        self.stopped = False

    def steps(self) -> Iterator[Progress]:
        methods = self.config.methods
        total = 2 + len(methods) + 1
        yield Progress("model", 0, total)
        self._subject = subject = self._build()
        yield Progress("baseline", 1, total)
        base_bytes, params, before = self._baseline_of(subject)
        done = 2
        for method in methods:
            yield Progress("method", done, total, method)
            self._results[method] = self._method(subject, method, base_bytes, params, before)
            done += 1
            if self.should_stop():
                self.stopped = True
                return
        missing = [m for m, r in self._results.items() if r.why_not is None and r.latency_ms_all is None]
        if not any(r.why_not is None for r in self._results.values()):
            first = self._results[methods[0]]         # none applies: the first one's reason is the answer
            raise InvalidInput("Methods", first.why_not, **first.why_not_params)
        if missing:
            yield Progress("latency", done, total)
            self._measure(subject, missing)

    def _build(self):
        return subject_for(self.config.model, self.history)

    def _baseline_of(self, subject):
        with _lock:
            hit = _baseline.get(subject.key) if _cacheable(subject.key) else None
        if hit is not None:
            return hit[:3]
        base_bytes = _saved_bytes(subject.model)
        params = sum(p.numel() for p in subject.model.parameters())
        before = subject.evaluate(subject.model)
        if _cacheable(subject.key):
            with _lock:
                _baseline[subject.key] = (base_bytes, params, before)
        return base_bytes, params, before

    def _method(self, subject, method: str, base_bytes: int, params: int, before) -> MethodResult:
        from core import quantize, quantize_models

        cacheable = _cacheable(subject.key)
        with _lock:
            hit = _cache.get((subject.key, method)) if cacheable else None
        if hit is not None:
            return hit
        started = time.perf_counter()
        why = quantize.why_not(method, subject.model)
        if why is not None:
            result = MethodResult(method, why_not=why[0], why_not_params=dict(why[1]))
        else:
            after_model = quantize.apply(method, subject.model)
            after = subject.evaluate(after_model)
            compared = quantize_models.compare(before, after)
            result = MethodResult(
                method, None, bytes=_saved_bytes(after_model), bytes_fp32=base_bytes, params=params,
                modules_replaced=quantize.modules_replaced(subject.model, after_model),
                modules=tuple(quantize.module_table(subject.model, after_model)),
                accuracy_before=before.accuracy, accuracy_after=after.accuracy,
                changed=compared.get("changed"), compared=len(np.asarray(before.predictions).reshape(-1)),
                agreement=compared.get("agreement"), max_logit_diff=compared.get("max_logit_diff"),
                perplexity_before=before.perplexity, perplexity_after=after.perplexity,
                text_before=before.text, text_after=after.text,
                histograms=tuple(histograms(subject.model, after_model)),
                seconds=time.perf_counter() - started)
            del after_model
        if cacheable:
            with _lock:
                _cache[(subject.key, method)] = result
        return result

    def _measure(self, subject, methods: list[str]) -> None:
        from core import latency

        measured = latency.measure(subject.blank, subject.model.state_dict(), subject.example, methods,
                                   config.QUANTIZE_LATENCY_BUDGET_S)
        self._latency = measured
        # Each method's speed-up divides by the fp32 time measured beside it, in the same worker, runs
        # taking turns: an fp32 time from another moment would carry another moment's load.
        fp32 = (measured.ms_1t.get("fp32"), measured.ms_all.get("fp32"))
        for method in methods:
            updated = replace(self._results[method], latency_ms_1t=measured.ms_1t.get(method),
                              latency_ms_all=measured.ms_all.get(method), latency_fp32_ms_1t=fp32[0],
                              latency_fp32_ms_all=fp32[1])
            self._results[method] = updated
            if _cacheable(subject.key):
                with _lock:
                    _cache[(subject.key, method)] = updated

    def result(self) -> QuantizeResult:
        subject = self._subject
        measured = self._latency
        return QuantizeResult(
            model=self.config.model, label=subject.label, kind=subject.kind, real_weights=subject.real_weights,
            methods=tuple(self._results[m] for m in self.config.methods if m in self._results),
            threads_all=getattr(measured, "threads_all", None), busy=getattr(measured, "busy", None),
            busy_source=getattr(measured, "busy_from", None),
            params=sum(p.numel() for p in subject.model.parameters()), stopped=self.stopped)


def subject_for(model: str, history=None):
    """The core.quantize_models.Subject a checked model key names (``trained:<id>``: from ``history``)."""
    from core import quantize_models

    if model.startswith("trained:"):
        if history is None:
            raise InvalidInput("Model", "quantize_no_run")
        return quantize_models.from_run(history.get(model.split(":", 1)[1])[0])
    return quantize_models.builtin(model)


def code_for(model: str, method: str, history=None) -> str:
    """The plain PyTorch that applies ``method`` to ``model`` and weighs it (core.quantize_code)."""
    from core.quantize_code import code_for as script

    return script(subject_for(model, history), method)


def save_quantized(model: str, method: str, history=None):
    """``model`` (a checked key) quantized with ``method``, its state dict saved by torch.save into a
    fresh download folder; returns the file's path."""
    import torch

    from core import files, quantize

    subject = subject_for(model, history)
    why = quantize.why_not(method, subject.model)
    if why is not None:
        raise InvalidInput("Methods", why[0], **why[1])
    path = files.new_folder() / f"dllab-{model.replace(':', '-run')}-{method}.pt"
    # Through memory: torch.save names the archive's folder after the file, so a file saved
    # directly would differ from the bytes the page weighed by the length of its name.
    buffer = io.BytesIO()
    torch.save(quantize.apply(method, subject.model).state_dict(), buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _saved_bytes(model) -> int:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


# ------------------------------------------------------------------------------------------ histograms

ZOOM_STEPS = 8          # the close-up spans this many grid steps on each side of zero


def histograms(before_model, after_model) -> list[LayerHistogram]:
    """Every shown layer's weights before and after (at most config.QUANTIZE_MAX_TABLE_ROWS layers)."""
    from core import quantize

    out = []
    for name in quantize.layers(before_model)[: config.QUANTIZE_MAX_TABLE_ROWS]:
        try:
            before = quantize.weight_values(before_model, name)
            after = quantize.weight_values(after_model, name)
        except (KeyError, AttributeError, ValueError):
            continue
        out.append(layer_histogram(name, before, after))
    return out


def layer_histogram(name: str, before: dict, after: dict) -> LayerHistogram:
    """Counts of ``before`` and ``after`` weights on shared bins; with an int8 grid, a close-up of
    the weights divided by their row's scale (per-channel) or the layer's (per-tensor), where the
    quantized ones sit on whole numbers: the grid itself. A symmetric grid's zero point is 0; an
    integer zero point would only shift which whole number a weight lands on."""
    w0 = np.asarray(before["values"], dtype=np.float64)
    w1 = np.asarray(after["values"], dtype=np.float64)
    lo, hi = float(min(w0.min(), w1.min())), float(max(w0.max(), w1.max()))
    if hi <= lo:
        hi = lo + 1e-6
    edges = np.linspace(lo, hi, config.QUANTIZE_HISTOGRAM_BINS + 1)
    counts0, _ = np.histogram(w0, edges)
    counts1, _ = np.histogram(w1, edges)
    scale = after.get("scale")
    if scale is None:
        return LayerHistogram(name, edges, counts0, counts1, None, None, None, None)
    scale = np.asarray(scale, dtype=np.float64)
    rows = w0.reshape(len(scale), -1) if scale.ndim == 1 and scale.size > 1 and w0.size % scale.size == 0 else None
    if rows is not None:
        steps0 = (rows / scale[:, None]).reshape(-1)
        steps1 = (w1.reshape(len(scale), -1) / scale[:, None]).reshape(-1)
    else:
        s = float(scale.reshape(-1)[0])
        steps0, steps1 = w0 / s, w1 / s
    zoom = np.linspace(-ZOOM_STEPS - 0.5, ZOOM_STEPS + 0.5, (2 * ZOOM_STEPS + 1) * 10 + 1)
    z0, _ = np.histogram(steps0, zoom)
    z1, _ = np.histogram(np.round(steps1, 6), zoom)
    return LayerHistogram(name, edges, counts0, counts1, float(np.median(scale)), zoom, z0, z1)
