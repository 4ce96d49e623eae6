"""The Transcribe tab through its public API, as a gradio_client user calls it.

Speech is made at test time with espeak-ng and converted with sox (tests/audio_samples.py). The
app's Hugging Face cache holds tiny wav2vec2 and Whisper models under their real ids (see
tests/conftest.py): they run through the real loader but, with random weights, say nothing
sensible; pocketsphinx recognises for real.
"""

import re

import numpy as np
import pytest
import soundfile
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.audio_samples import speak
from tests.conftest import ROOT, readme_example

PHRASES = "turn on the light\nturn off the light\nopen the door\ngood morning\nthank you"


def transcribe(client, audio, **settings):
    settings = {"engine": "auto", "precision": "fp32", "language": "auto", "phrases": "", "filter": True, **settings}
    return client.predict(handle_file(str(audio)), **settings, api_name="/transcribe")


def test_the_api_lists_transcribe_with_its_documented_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/transcribe"]["parameters"]] == [
        "audio", "engine", "precision", "language", "phrases", "filter"]
    assert "/stop_transcribing" in api


@pytest.mark.parametrize("name, options", [
    ("16k.wav", dict()),
    ("8bit.wav", dict(bits=8, encoding="unsigned-integer")),
    ("24bit.wav", dict(bits=24)),
    ("float.wav", dict(bits=32, encoding="floating-point")),
    ("8k.wav", dict(rate=8000)),
    ("96k.wav", dict(rate=96000)),
    ("stereo.wav", dict(rate=48000, channels=2)),
    ("six.wav", dict(channels=6)),
    ("speech.flac", dict(rate=44100)),
    ("speech.ogg", dict(rate=48000)),
    ("speech.mp3", dict(rate=44100)),
])
def test_a_phrase_is_recognised_from_every_format_depth_rate_and_channel_count(client, tmp_path, name, options):
    clip = speak("open the door", tmp_path / name, **options)
    text, segments, record = transcribe(client, clip, phrases=PHRASES)
    assert text == "open the door" and record["engine"] == "pocketsphinx" and record["mode"] == "phrases"
    assert record["channels_in"] == options.get("channels", 1)
    assert record["sample_rate_in"] == options.get("rate", 16000)
    assert [s["text"] for s in segments] == ["open", "the", "door"] == [s["text"] for s in record["segments"]]
    assert all(0 <= s["start"] < s["end"] <= record["duration_s"] for s in segments)
    assert record["processing_s"] > 0 and record["rtf"] == pytest.approx(record["processing_s"] / record["duration_s"],
                                                                        rel=0.05)


def test_open_vocabulary_gives_timed_words(client, tmp_path):
    clip = speak("the quick brown fox jumps over the lazy dog", tmp_path / "fox.wav")
    text, segments, record = transcribe(client, clip, engine="pocketsphinx")
    assert text and record["mode"] == "open" and len(segments) >= 3
    assert all(0 <= s["start"] < s["end"] <= record["duration_s"] for s in segments)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_wav2vec2_and_whisper_run_through_the_loader(client, tmp_path, precision):
    clip = speak("good morning", tmp_path / "morning.wav", rate=48000, channels=2)
    _, _, record = transcribe(client, clip, engine="wav2vec2", precision=precision)
    assert record["engine"] == "wav2vec2" and record["model"] == "facebook/wav2vec2-base-960h"
    assert record["precision"] == precision and record["source"] == "Hugging Face cache"
    _, _, record = transcribe(client, clip, engine="whisper", precision=precision, language="zh")
    assert record["engine"] == "whisper" and record["language"] == "zh" and record["model"] == "openai/whisper-tiny"
    assert all(0 <= s["start"] <= s["end"] <= record["duration_s"] + 1e-3 for s in record["segments"])


def test_auto_with_the_weights_here_chooses_wav2vec2(client, tmp_path):
    clip = speak("thank you", tmp_path / "thanks.wav")
    _, _, record = transcribe(client, clip)
    assert record["engine"] == "wav2vec2" and record["reason"] == "auto: wav2vec2 loaded"


def test_the_classroom_filter_is_on_unless_turned_off(client, tmp_path):
    clip = speak("you bastard", tmp_path / "rude.wav")
    phrases = PHRASES + "\nyou bastard"
    assert transcribe(client, clip, phrases=phrases)[0] == "you *******"
    assert transcribe(client, clip, phrases=phrases, filter=False)[0] == "you bastard"


def write(path, samples, rate=16000, subtype="PCM_16"):
    soundfile.write(str(path), samples, rate, subtype=subtype)
    return path


def bytes_file(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: write(d / "short.wav", np.zeros(1600)), "at least 0.25 s"),
    (lambda d: bytes_file(d / "notes.wav", b"this is not a recording" * 10), "not an audio file DL Lab can read"),
    (lambda d: bytes_file(d / "empty.wav", b""), "empty"),
    (lambda d: write(d / "long.wav", np.zeros(8000 * 601), rate=8000, subtype="PCM_U8"), "601.0 s long; the limit is 600 s"),
])
def test_bad_audio_gets_a_clear_message(client, tmp_path, make, message):
    with pytest.raises(AppError, match=re.escape(message)):
        transcribe(client, make(tmp_path))


def test_silence_is_transcribed_as_nothing_with_a_warning(client, tmp_path):
    text, segments, record = transcribe(client, write(tmp_path / "quiet.wav", np.zeros(16000 * 2)),
                                        engine="pocketsphinx")
    assert text == "" and segments == [] and "silent" in record["warnings"]


@pytest.mark.parametrize("settings, message", [
    (dict(engine="siri"), "Engine must be one of"),
    (dict(engine="x" * 200_000), "Engine must be one of"),
    (dict(precision="int4"), "Precision must be one of"),
    (dict(language="klingon"), "Language must be 'auto' or a language code"),
    (dict(filter="maybe"), "Classroom filter must be true or false"),
    (dict(phrases="turn on the zorblax"), "zorblax"),
])
def test_bad_settings_get_a_clear_message(client, tmp_path, settings, message):
    clip = speak("thank you", tmp_path / "thanks.wav")
    with pytest.raises(AppError, match=re.escape(message)):
        transcribe(client, clip, **settings)


def test_no_audio_says_to_record_first_and_the_server_keeps_serving(client, tmp_path):
    with pytest.raises(AppError, match="Record or upload some audio first"):
        client.predict(None, "auto", "fp32", "auto", "", True, api_name="/transcribe")
    clip = speak("good morning", tmp_path / "morning.wav")
    assert transcribe(client, clip, phrases=PHRASES)[0] == "good morning"


def test_stop_with_nothing_running_says_so(client):
    assert "Nothing is being transcribed" in client.predict(api_name="/stop_transcribing")


def test_readme_transcribe_example_runs_as_written(app_url, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(readme_example("api-example-transcribe", app_url), "README.md", "exec"), {})
    assert capsys.readouterr().out.strip().splitlines()[-1] == "turn on the light [('turn', 0.0), ('on', 0.3)] True"


@pytest.mark.parametrize("engine, settings", [("pocketsphinx", dict(phrases=PHRASES)), ("wav2vec2", {}),
                                              ("whisper", dict(language="en"))])
def test_on_a_ray_cluster_a_transcription_is_the_one_in_process(app_url, ray_app_url, tmp_path, engine, settings):
    """With DLLAB_RAY_ADDRESS=local the worker loads the model and hears the audio: the same record
    (its processing time aside)."""
    from gradio_client import Client

    clip = speak("good morning", tmp_path / "morning.wav")
    replies = [transcribe(Client(url, verbose=False), clip, engine=engine, **settings) for url in (app_url, ray_app_url)]
    (text_here, _, here), (text_there, _, there) = replies
    timing = ("processing_s", "rtf")
    assert {k: v for k, v in there.items() if k not in timing} == {k: v for k, v in here.items() if k not in timing}
    assert there["engine"] == engine and text_there == text_here
    if engine == "pocketsphinx":
        assert text_here == "good morning"
