"""The one loader for pretrained models (GPT-2 for Generate, wav2vec2 for Transcribe, ...).

``load(kind, name, precision)`` takes a Hugging Face id or a local directory, loads model
and tokenizer/processor once per process (thread-safe: concurrent callers wait for the
single load), moves the model to the device and puts it in eval mode. Each precision is
its own cache entry: ``int8`` is a dynamically quantized copy of the fp32 model (see
core.quantize), computed on the CPU, and both can be loaded side by side.

When the weights are not on this machine and the Hub cannot be reached (or
HF_HUB_OFFLINE=1 is set) it fails at once with ``ModelUnavailable`` whose message
says what to do, instead of letting the Hub client retry for most of a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from core import config
from core.device import get_device
from core.errors import InvalidInput, ModelUnavailable
from core.validate import slug

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelKind:
    label: str              # words for messages
    env_var: str            # the DLLAB_* variable that picks the model
    setting: str            # its field in config.Settings
    model_class: str        # transformers auto class for the weights
    processor_class: str    # transformers auto class for tokenizer / feature extractor
    options: tuple = ()     # extra from_pretrained arguments, as (name, value) pairs


KINDS = {
    # Eager attention: the implementation that can return its attention weights (SDPA returns
    # none); measured here, GPT-2 small decodes as fast with it (35.7 against 35.6 tokens/s).
    "text": ModelKind("text-generation", "DLLAB_TEXT_MODEL", "text_model", "AutoModelForCausalLM", "AutoTokenizer",
                      (("attn_implementation", "eager"),)),
    "asr": ModelKind("speech-recognition", "DLLAB_ASR_MODEL", "asr_model", "AutoModelForCTC", "AutoProcessor"),
    # Sequence-to-sequence speech models (Whisper): an encoder hears, a decoder writes.
    "whisper": ModelKind("speech-to-text (Whisper)", "DLLAB_WHISPER_MODEL", "whisper_model",
                         "AutoModelForSpeechSeq2Seq", "AutoProcessor"),
}


@dataclass(frozen=True)
class LoadedModel:
    kind: str
    name: str               # the id or directory it was loaded from
    model: Any              # a transformers PreTrainedModel in eval mode, on ``device``
    processor: Any          # tokenizer (text) or processor (asr)
    device: Any
    source: str             # "local directory", "Hugging Face cache" or "downloaded"
    seconds: float          # how long the load took
    precision: str = "fp32"


_cache: dict[tuple[str, str, str, str], LoadedModel] = {}
_key_locks: dict[tuple[str, str, str, str], threading.Lock] = {}
_cache_lock = threading.Lock()
_probe: tuple[float, bool] | None = None   # (time, reachable) of the last Hub probe
PROBE_TTL_S = 60.0


def default_name(kind: str) -> str:
    """The model DL Lab uses for ``kind`` unless told otherwise (DLLAB_TEXT_MODEL, DLLAB_ASR_MODEL)."""
    return getattr(config.settings(), _kind(kind).setting)


def _kind(kind: str) -> ModelKind:
    if kind not in KINDS:
        raise InvalidInput("Model kind", "model_kind_unknown", kind=repr(kind), kinds=str(sorted(KINDS)))
    return KINDS[kind]


def load(kind: str, name: str | None = None, precision: str = "fp32", download: bool = True) -> LoadedModel:
    """The model of ``kind`` ('text' or 'asr'), by id or directory (default: the DLLAB_* setting),
    at ``precision`` ('fp32' or 'int8'). With ``download=False`` a model that is not on this
    machine fails as if offline (a warm-up must not start a download)."""
    from core import validate

    spec = _kind(kind)
    name = (name or default_name(kind)).strip()
    precision = validate.choice(precision, config.PRECISIONS, "Precision")
    device = get_device()
    key = (kind, name, str(device), precision)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:                       # one load per key; others wait for it
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        if precision == "fp32":
            loaded = _load_uncached(kind, spec, name, device, download)
        else:
            loaded = _quantized(load(kind, name, "fp32", download))
        with _cache_lock:
            _cache[key] = loaded
        return loaded


def _quantized(base: LoadedModel) -> LoadedModel:
    """An int8 copy of ``base`` (dynamic quantization runs on the CPU, whatever the device)."""
    import torch

    from core.quantize import int8_dynamic

    start = time.perf_counter()
    model = int8_dynamic(base.model)
    _prepare(base.kind, model, torch.device("cpu"))
    seconds = base.seconds + time.perf_counter() - start
    log.info("quantized %s model %s to int8 in %.1f s", base.kind, base.name, time.perf_counter() - start)
    return LoadedModel(kind=base.kind, name=base.name, model=model, processor=base.processor,
                       device=torch.device("cpu"), source=base.source, seconds=seconds, precision="int8")


def _prepare(kind: str, model, device) -> None:
    """One forward that asks for attention weights, while the load lock is held: transformers
    installs its output-capturing hooks on first use, which is not safe to race."""
    if kind != "text":
        return
    import torch

    with torch.inference_mode():
        model(input_ids=torch.zeros((1, 2), dtype=torch.long, device=device), output_attentions=True)


def loaded_models() -> list[LoadedModel]:
    with _cache_lock:
        return list(_cache.values())


def clear_cache() -> None:
    """Forget every loaded model (tests; or freeing memory)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()


def offline_mode() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = config.HUB_PROBE_TIMEOUT_S) -> bool:
    """Whether the Hub's host accepts a TCP connection within ``timeout`` (cached for a minute)."""
    global _probe
    now = time.monotonic()
    if _probe is not None and now - _probe[0] < PROBE_TTL_S:
        return _probe[1]
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    result: list[bool] = []

    def attempt():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    # DNS lookups ignore socket timeouts; a thread bounds the whole probe.
    t = threading.Thread(target=attempt, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    reachable = bool(result and result[0])
    _probe = (now, reachable)
    return reachable


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else is meant as a directory.
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or os.path.exists(name)


def _load_uncached(kind: str, spec: ModelKind, name: str, device, download: bool = True) -> LoadedModel:
    start = time.perf_counter()
    path = os.path.expanduser(name)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise ModelUnavailable("model_dir_empty", name=name, env_var=spec.env_var)
        model, processor = _from_pretrained(spec, path, local_only=True)
        source = "local directory"
    elif _looks_like_path(name):
        raise ModelUnavailable("model_no_dir", name=name, env_var=spec.env_var)
    else:
        try:
            model, processor = _from_pretrained(spec, name, local_only=True)
            source = "Hugging Face cache"
        except OSError as not_cached:
            said = dict(label=spec.label, control=slug(spec.label), name=name, env_var=spec.env_var)
            if offline_mode():
                raise ModelUnavailable("model_not_cached_offline", **said) from not_cached
            if not download:
                raise ModelUnavailable("model_not_downloaded", **said) from not_cached
            if not hub_reachable():
                raise ModelUnavailable("model_not_cached_unreachable", **said) from not_cached
            try:
                # Download first (progress bars a page can follow), then load from the cache: the
                # load holds core.device.model_building, the download must not.
                from core.prefetch import fetch

                fetch(name)
                model, processor = _from_pretrained(spec, name, local_only=True)
            except ModelUnavailable:
                raise
            except Exception as failed:  # noqa: BLE001 - any failure of the Hub client is said the same way
                raise ModelUnavailable("model_download_failed", detail=_first_line(failed), **said) from failed
            source = "downloaded"
    model = model.to(device).eval()
    _prepare(kind, model, device)
    seconds = time.perf_counter() - start
    log.info("loaded %s model %s from %s in %.1f s on %s", kind, name, source, seconds, device)
    return LoadedModel(kind=kind, name=name, model=model, processor=processor,
                       device=device, source=source, seconds=seconds)


IMPORT_TRIES = 3         # a class of transformers' whose import failed is tried this often, IMPORT_PAUSE_S apart
IMPORT_PAUSE_S = 0.5


def _transformers_class(name: str):
    """transformers' class ``name``. Its modules import on first use, and an import running in another
    thread (one outside core.device.model_building) can make Python fail ours to break a cycle between the
    two; transformers then reports the class as missing. Such an import succeeds once the other has ended:
    a first wav2vec2 load in a server whose warm-ups loaded the text and Whisper models failed so, twice."""
    import transformers

    for attempt in range(1, IMPORT_TRIES + 1):
        try:
            return getattr(transformers, name)
        except AttributeError:
            if attempt == IMPORT_TRIES:
                raise
            log.warning("transformers' %s did not import (try %d of %d), trying again", name, attempt, IMPORT_TRIES)
            time.sleep(IMPORT_PAUSE_S)


def _from_pretrained(spec: ModelKind, name: str, local_only: bool):
    import torch

    from core.device import model_building

    try:
        # One load at a time, and no model built meanwhile: transformers patches torch while it loads.
        # The processor too: transformers imports its modules on first use, and two threads importing at
        # once can each wait for a module the other holds, which Python breaks by failing one import.
        # float32 on purpose: bfloat16 has no fast kernels on most CPUs.
        with model_building:
            processor = _transformers_class(spec.processor_class).from_pretrained(name, local_files_only=local_only)
            model = _transformers_class(spec.model_class).from_pretrained(
                name, local_files_only=local_only, dtype=torch.float32, **dict(spec.options))
    except (ValueError, KeyError) as bad:
        # e.g. a directory holding a model of another kind, or a broken config.json
        raise ModelUnavailable("model_wrong_kind", name=name, label=spec.label, control=slug(spec.label),
                               detail=_first_line(bad), env_var=spec.env_var) from bad
    return model, processor


def _first_line(exc: Exception) -> str:
    """An exception's first line, short enough for a message on the page."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
