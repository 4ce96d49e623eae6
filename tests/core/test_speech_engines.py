"""The wav2vec2 and Whisper engines on tiny models built on the fly, loaded through the real loader."""

import numpy as np
import pytest

from core import config, models
from core.whisper import segments
from core.wav2vec2 import words


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * config.SAMPLE_RATE)) * 0.1).astype(np.float32)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_wav2vec2_gives_words_inside_the_audio_and_its_emission(tiny_asr_dir, precision, monkeypatch):
    monkeypatch.setattr(config, "CHUNK_SECONDS", 2.0)
    monkeypatch.setattr(config, "CHUNK_OVERLAP_SECONDS", 0.5)
    loaded = models.load("asr", str(tiny_asr_dir), precision=precision)
    extra = {}
    steps = list(words(loaded, noise(7.3), extra))
    assert [round(done, 2) for done, _ in steps] == [2.0, 4.0, 6.0, 7.3]          # progress, chunk by chunk
    found = [w for _, ws in steps for w in ws]
    assert all(0 <= w.start < w.end <= 7.3 + 1e-6 for w in found)
    assert all(a.start <= b.start for a, b in zip(found, found[1:]))
    view = extra["emission"]
    assert view.probs.shape[1] == len(view.labels) and "_" in view.labels and "|" in view.labels
    assert np.allclose(view.probs.sum(axis=1), 1, atol=1e-5)


def test_whisper_writes_timed_segments_window_by_window(tiny_whisper_dir):
    loaded = models.load("whisper", str(tiny_whisper_dir))
    extra = {}
    steps = list(segments(loaded, noise(33.0), "en", extra, max_new_tokens=12))
    assert [round(done, 1) for done, _ in steps] == [30.0, 33.0] and extra["language"] == "en"
    found = [s for _, ss in steps for s in ss]
    assert found and all(0 <= s.start <= s.end <= 33.0 + 1e-6 and s.text for s in found)


def test_whisper_detects_the_language_once_and_keeps_it(tiny_whisper_dir, monkeypatch):
    from core import whisper

    loaded = models.load("whisper", str(tiny_whisper_dir))
    asked = []
    real = whisper.detect_language
    monkeypatch.setattr(whisper, "detect_language", lambda *a: asked.append(1) or real(*a))
    extra = {}
    list(segments(loaded, noise(65.0), "auto", extra, max_new_tokens=4))
    assert len(asked) == 1 and len(extra["language"]) in (2, 3, 5)     # a code like 'en', 'haw' or 'yue'
