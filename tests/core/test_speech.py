"""core.speech: one call for three engines, the auto choice, the classroom filter and bad input."""

import numpy as np
import pytest

from core import config
from core.audio import from_array, read_audio
from core.errors import DLLabError, InvalidInput, ModelUnavailable
from core.speech import TranscribeConfig, Transcription, mask
from tests.audio_samples import speak


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


def noise(seconds: float) -> object:
    rng = np.random.default_rng(0)
    return from_array(16000, (rng.standard_normal(int(seconds * 16000)) * 3000).astype(np.int16))


def transcribe(audio, **settings):
    run = Transcription(TranscribeConfig(**settings), audio)
    progress = list(run.steps())
    return progress, run.result()


def test_auto_falls_back_to_pocketsphinx_and_says_why(tmp_path):
    audio = read_audio(speak("turn on the light", tmp_path / "light.wav"), 60)
    _, result = transcribe(audio)
    assert result.engine == "pocketsphinx" and result.mode == "open" and result.text
    assert result.reason == "auto: wav2vec2 unavailable (model_not_cached_offline)"
    _, result = transcribe(audio, phrases=("turn on the light", "turn off the light", "open the door"))
    assert result.engine == "pocketsphinx" and result.text == "turn on the light" and result.mode == "phrases"
    assert result.reason == "auto: a phrase list was given"
    record = result.summary(audio)
    assert record["engine"] == "pocketsphinx" and record["rtf"] > 0 and record["sample_rate_in"] == 16000
    assert [s["text"] for s in record["segments"]] == ["turn", "on", "the", "light"]
    assert all(0 <= s["start"] < s["end"] <= audio.duration_s for s in record["segments"])


def test_asking_for_a_model_engine_without_its_weights_is_a_clear_message():
    with pytest.raises(ModelUnavailable, match="python -m core.prefetch"):
        Transcription(TranscribeConfig(engine="wav2vec2"), noise(1.0))
    with pytest.raises(ModelUnavailable, match="DLLAB_WHISPER_MODEL"):
        Transcription(TranscribeConfig(engine="whisper"), noise(1.0))


def test_wav2vec2_runs_chunk_by_chunk_and_keeps_its_emission(tiny_asr_dir, monkeypatch):
    monkeypatch.setenv("DLLAB_ASR_MODEL", str(tiny_asr_dir))
    monkeypatch.setattr(config, "CHUNK_SECONDS", 1.0)
    progress, result = transcribe(noise(3.5), engine="auto", precision="int8")
    assert [round(p.done_s, 1) for p in progress] == [1.0, 2.0, 3.0, 3.5]
    assert result.engine == "wav2vec2" and result.reason == "auto: wav2vec2 loaded" and result.precision == "int8"
    assert result.emission is not None and result.emission.probs.shape[0] > 10
    assert result.text == " ".join(s.text for s in result.segments)


def test_stop_ends_after_the_current_chunk(tiny_asr_dir, monkeypatch):
    monkeypatch.setenv("DLLAB_ASR_MODEL", str(tiny_asr_dir))
    monkeypatch.setattr(config, "CHUNK_SECONDS", 1.0)
    run = Transcription(TranscribeConfig(engine="wav2vec2"), noise(6.0), should_stop=lambda: True)
    assert len(list(run.steps())) == 1 and run.result().stopped


def test_whisper_names_the_language_it_used(tiny_whisper_dir, monkeypatch):
    monkeypatch.setenv("DLLAB_WHISPER_MODEL", str(tiny_whisper_dir))
    from core import whisper

    real = whisper.window_segments
    monkeypatch.setattr(whisper, "window_segments", lambda loaded, window, language, n=None:
                        real(loaded, window, language, 8))          # random weights: a bounded answer
    _, result = transcribe(noise(2.0), engine="whisper", language="zh")
    assert result.engine == "whisper" and result.language == "zh" and result.segments


def test_the_classroom_filter_masks_blocklisted_words_in_any_engine(tmp_path):
    assert mask("What the Fuck, he said") == ("What the ****, he said", 1)
    assert mask("你这个傻逼！") == ("你这个**！", 1)
    assert mask("a fuchsia scrapbook") == ("a fuchsia scrapbook", 0)        # whole words only
    audio = read_audio(speak("you bastard", tmp_path / "rude.wav"), 60)
    phrases = ("you bastard", "thank you", "good morning")
    _, filtered = transcribe(audio, engine="pocketsphinx", phrases=phrases)
    assert filtered.text == "you *******" and filtered.masked == 1
    _, unfiltered = transcribe(audio, engine="pocketsphinx", phrases=phrases, filter=False)
    assert unfiltered.text == "you bastard" and unfiltered.masked == 0


def test_each_engine_has_its_own_length_limit(monkeypatch):
    monkeypatch.setitem(config.AUDIO_MAX_SECONDS, "pocketsphinx", 1)
    with pytest.raises(InvalidInput) as err:
        Transcription(TranscribeConfig(engine="pocketsphinx"), noise(2.0))
    assert err.value.key == "audio_too_long_for_engine" and "pocketsphinx hears at most 1 s" in err.value.message


@pytest.mark.parametrize("settings, key", [
    (dict(engine="siri"), "choice"),
    (dict(engine="x" * 200_000), "choice"),
    (dict(engine=["auto"]), "choice"),
    (dict(precision="fp8"), "choice"),
    (dict(language="klingon"), "language_unknown"),
    (dict(language=42), "language_unknown"),
    (dict(filter="maybe"), "not_flag"),
    (dict(filter=2), "not_flag"),
    (dict(phrases=123), "not_text"),
    (dict(phrases="x" * 6000), "too_long"),
])
def test_bad_settings_get_a_message_that_names_them(settings, key):
    with pytest.raises(DLLabError) as err:
        TranscribeConfig.from_user(**settings)
    assert err.value.key == key and len(err.value.message) < 400


def test_settings_have_sensible_defaults():
    cfg = TranscribeConfig.from_user(None, None, None, None, None)
    assert cfg == TranscribeConfig(engine="auto", precision="fp32", language="auto", phrases=(), filter=True)
    assert TranscribeConfig.from_user(language="ZH", filter="false").language == "zh"
    assert TranscribeConfig.from_user(phrases="Turn on the light\n\nopen the door\n").phrases == (
        "turn on the light", "open the door")
