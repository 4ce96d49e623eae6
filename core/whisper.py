"""The Whisper engine: an encoder hears 30 seconds, a decoder writes the text with timestamps.

Whisper's encoder takes a fixed 30-second log-mel window; longer audio is heard window by
window, each window's timestamps shifted by where it starts. The language is the one
chosen, or detected once from the first window (Whisper's own language-identification
step) and kept for the rest, so a recording does not switch language halfway.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from core import config
from core.ctc import Word

WINDOW_S = 30.0     # what Whisper's encoder hears at once


@torch.inference_mode()
def detect_language(loaded, features: torch.Tensor) -> str:
    """The language code Whisper hears in one window's features, like 'en' or 'zh'."""
    token = loaded.model.detect_language(features)
    return loaded.processor.tokenizer.convert_ids_to_tokens(int(token.reshape(-1)[0]))[2:-2]


@torch.inference_mode()
def window_segments(loaded, window: np.ndarray, language: str, max_new_tokens: int | None = None):
    """(segments of one window as (start, end, text) in its own seconds, the language used)."""
    processor, model = loaded.processor, loaded.model
    features = processor(window, sampling_rate=config.SAMPLE_RATE, return_tensors="pt").input_features
    features = features.to(loaded.device, dtype=next(model.parameters()).dtype)
    if language == "auto":
        language = detect_language(loaded, features)
    options = {"max_new_tokens": max_new_tokens} if max_new_tokens else {}
    out = model.generate(features, language=language, task="transcribe", return_timestamps=True, **options)
    decoded = processor.tokenizer.decode(out[0].tolist(), output_offsets=True, skip_special_tokens=True)
    length = len(window) / config.SAMPLE_RATE
    found = []
    for piece in decoded.get("offsets", []):
        text = piece["text"].strip()
        start, end = (min(max(0.0, float(t if t is not None else length)), length) for t in piece["timestamp"])
        if text:
            found.append((start, max(start, end), text))
    if not found and decoded["text"].strip():       # no timestamps came out: the window is one segment
        found.append((0.0, length, decoded["text"].strip()))
    return found, language


def segments(loaded, samples: np.ndarray, language: str, extra: dict,
             max_new_tokens: int | None = None) -> Iterator[tuple[float, list]]:
    """Yield (seconds heard, the segments of that window) window by window; the language used goes
    into ``extra["language"]``."""
    size = int(WINDOW_S * config.SAMPLE_RATE)
    for start in range(0, len(samples), size):
        found, language = window_segments(loaded, samples[start: start + size], language, max_new_tokens)
        extra["language"] = language
        offset = start / config.SAMPLE_RATE
        yield min(len(samples), start + size) / config.SAMPLE_RATE, [Word(text, offset + a, offset + b)
                                                                     for a, b, text in found]
