"""core.live: a microphone stream transcribed as it arrives, with bounded work and memory."""

import numpy as np
import pytest
import soundfile

from core import config
from core.errors import InvalidInput
from core.live import LIVE_CHUNK_SECONDS, LiveTranscriber
from tests.audio_samples import speak


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


def browser_chunks(path, seconds: float = 0.5):
    """The file as a browser streams it: 48 kHz int16 mono, about half a second at a time."""
    samples, rate = soundfile.read(str(path), dtype="int16")
    step = int(seconds * rate)
    return [(rate, samples[i:i + step]) for i in range(0, len(samples), step)]


def test_pocketsphinx_live_grows_the_transcript_and_ends_with_the_phrase(tmp_path):
    phrases = ("turn on the light", "open the door", "good morning")
    clip = speak("open the door", tmp_path / "door.wav", rate=48_000)
    live = LiveTranscriber("pocketsphinx", phrases)
    shown = [live.add(rate, chunk) for rate, chunk in browser_chunks(clip)]
    assert any(shown) and shown[-1].startswith("open")
    text, segments, hidden = live.finish()
    assert text == "open the door" and [s.text for s in segments] == ["open", "the", "door"]
    assert hidden == 0 and all(0 <= s.start < s.end <= live.seconds for s in segments)


def test_wav2vec2_live_rehears_only_a_bounded_tail(tiny_asr_dir, monkeypatch):
    monkeypatch.setenv("DLLAB_ASR_MODEL", str(tiny_asr_dir))
    from core import wav2vec2

    heard = []
    real = wav2vec2.frame_logits
    monkeypatch.setattr(wav2vec2, "frame_logits", lambda loaded, window: heard.append(len(window)) or real(loaded, window))
    live = LiveTranscriber("wav2vec2")
    rng = np.random.default_rng(0)
    for _ in range(40):                                           # 20 s in half-second chunks
        live.add(48_000, (rng.standard_normal(24_000) * 2000).astype(np.int16))
    assert abs(live.seconds - 20.0) < 1e-6
    longest = (LIVE_CHUNK_SECONDS + 2 * config.CHUNK_OVERLAP_SECONDS) * config.SAMPLE_RATE
    assert heard and max(heard) <= longest                        # never the whole 20 s again
    assert len(heard) < 40                                        # about once a second, not per chunk
    text, segments, _ = live.finish()
    assert all(0 <= s.start < s.end <= 20.0 + 1e-6 for s in segments) and text == " ".join(s.text for s in segments)


def test_a_browsers_tenth_of_a_second_pieces_are_gathered_and_heard(tmp_path):
    phrases = ("turn on the light", "open the door", "good morning")
    clip = speak("open the door", tmp_path / "door.wav", rate=48_000)
    live = LiveTranscriber("pocketsphinx", phrases)
    for rate, piece in browser_chunks(clip, seconds=0.1):          # what Gradio 6.31's recorder sends
        live.add(rate, piece)
    assert live.finish()[0] == "open the door"
    duration = soundfile.info(str(clip)).duration             # the last sliver is heard, padded to a word's length
    assert duration <= live.seconds <= duration + config.AUDIO_MIN_SECONDS


def test_a_live_session_keeps_a_bounded_amount_of_audio(monkeypatch):
    monkeypatch.setattr(config, "LIVE_MAX_SECONDS", 2)
    live = LiveTranscriber("pocketsphinx")
    for _ in range(10):
        live.add(48_000, np.zeros(24_000, dtype=np.int16))
    assert live.full and live.seconds == pytest.approx(2.0)


def test_whisper_is_not_offered_live():
    with pytest.raises(InvalidInput) as err:
        LiveTranscriber("whisper")
    assert err.value.key == "live_engine"
