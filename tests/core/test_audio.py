"""Reading student audio: every format, depth, rate and channel count becomes mono 16 kHz
float32 of the right length, and every bad upload gets its own clear message."""

import numpy as np
import pytest

from core import audio, config
from core.audio import from_array, log_mel, mel_times, read_audio, waveform_points
from core.errors import InvalidInput, ResourceLimit
from tests.audio_samples import peak_frequency, seconds, speak, tone

LIMIT = 600
SENTENCE = "hello world, this is a test"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """The sentence at 16 kHz, 16-bit, mono: the reference the other versions are compared with."""
    path = speak(SENTENCE, tmp_path_factory.mktemp("speech") / "reference.wav")
    return path, seconds(path), read_audio(path, LIMIT)


VARIANTS = {     # name: (file name, speak() options, format read)
    "16-bit 16 kHz": ("a.wav", {}, "WAV PCM_16"),
    "8-bit 22.05 kHz": ("a.wav", {"rate": 22_050, "bits": 8}, "WAV PCM_U8"),
    "24-bit 44.1 kHz": ("a.wav", {"rate": 44_100, "bits": 24}, "WAV PCM_24"),
    "32-bit float 48 kHz": ("a.wav", {"rate": 48_000, "bits": 32, "encoding": "floating-point"}, "WAV FLOAT"),
    "8 kHz telephone": ("a.wav", {"rate": 8_000}, "WAV PCM_16"),
    "96 kHz stereo": ("a.wav", {"rate": 96_000, "channels": 2}, "WAV PCM_16"),
    "48 kHz 6 channels": ("a.wav", {"rate": 48_000, "channels": 6}, "WAV PCM_16"),
    "FLAC 44.1 kHz stereo": ("a.flac", {"rate": 44_100, "channels": 2}, "FLAC PCM_16"),
    "FLAC 24-bit 48 kHz 6 channels": ("a.flac", {"rate": 48_000, "channels": 6, "bits": 24}, "FLAC PCM_24"),
    "OGG Vorbis 44.1 kHz": ("a.ogg", {"rate": 44_100}, "OGG VORBIS"),
    "OGG Vorbis 48 kHz stereo": ("a.ogg", {"rate": 48_000, "channels": 2}, "OGG VORBIS"),
    "MP3 44.1 kHz": ("a.mp3", {"rate": 44_100}, "MP3 MPEG_LAYER_III"),
    "MP3 48 kHz stereo": ("a.mp3", {"rate": 48_000, "channels": 2}, "MP3 MPEG_LAYER_III"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_format_decodes_to_mono_16_khz_of_the_right_length(variant, spoken, tmp_path):
    name, options, fmt = VARIANTS[variant]
    path = speak(SENTENCE, tmp_path / name, **options)
    _, expected_s, reference = spoken
    got = read_audio(path, LIMIT)
    assert got.samples.dtype == np.float32 and got.samples.ndim == 1 and got.sample_rate == 16_000
    assert (got.format, got.sample_rate_in, got.channels_in) == (fmt, options.get("rate", 16_000),
                                                                 options.get("channels", 1))
    assert got.duration_s == pytest.approx(expected_s, abs=0.02)
    assert len(got.samples) / 16_000 == pytest.approx(expected_s, abs=0.02)
    assert np.abs(got.samples).max() <= 1.0 and got.warnings == ()
    assert got.rms_dbfs == pytest.approx(reference.rms_dbfs, abs=1.0)     # the same voice, equally loud
    if fmt.split()[0] in ("WAV", "FLAC"):   # lossless: the same waveform, whatever the rate or depth
        n = min(len(got.samples), len(reference.samples))
        assert np.corrcoef(got.samples[:n], reference.samples[:n])[0, 1] > 0.97


def test_bytes_read_like_the_file(spoken):
    path, _, reference = spoken
    from_bytes = read_audio(path.read_bytes(), LIMIT)
    assert np.array_equal(from_bytes.samples, reference.samples) and from_bytes.format == reference.format


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000, 96_000])
def test_resampling_keeps_a_tones_pitch(rate, tmp_path):
    got = read_audio(tone(tmp_path / "a.wav", 440.0, seconds=2.0, rate=rate), LIMIT)
    assert peak_frequency(got.samples) == pytest.approx(440.0, abs=2.0)
    assert len(got.samples) == 32_000
    assert np.abs(got.samples[1000:-1000]).max() == pytest.approx(0.5, abs=0.01)   # nor its loudness


@pytest.mark.parametrize("rate", [11_025, 44_100, 48_000, 5_512])
def test_resampling_in_chunks_gives_torchaudios_numbers(rate):
    import torch
    import torchaudio.functional

    wave = np.random.default_rng(rate).standard_normal(int(2.5 * (1 << 18))).astype(np.float32) * 0.1
    whole = torchaudio.functional.resample(torch.from_numpy(wave), rate, 16_000).numpy()
    np.testing.assert_allclose(audio.resample(wave, rate), whole, atol=1e-6)


def test_stereo_is_mixed_to_mono_by_the_mean(tmp_path):
    import soundfile

    t = np.arange(16_000) / 16_000
    sine = 0.5 * np.sin(2 * np.pi * 300 * t)
    soundfile.write(tmp_path / "left.wav", np.stack([sine, np.zeros_like(sine)], axis=1), 16_000, subtype="FLOAT")
    soundfile.write(tmp_path / "opposite.wav", np.stack([sine, -sine], axis=1), 16_000, subtype="FLOAT")
    left_only = read_audio(tmp_path / "left.wav", LIMIT)
    np.testing.assert_allclose(left_only.samples, sine / 2, atol=1e-6)    # not the sum, not the louder side
    opposite = read_audio(tmp_path / "opposite.wav", LIMIT)                # the two sides cancel
    assert np.abs(opposite.samples).max() < 1e-6 and opposite.warnings == ("silent",)


def test_silence_and_very_quiet_audio_are_called_silent(tmp_path):
    import soundfile

    soundfile.write(tmp_path / "zeros.wav", np.zeros(16_000, np.int16), 16_000)
    zeros = read_audio(tmp_path / "zeros.wav", LIMIT)
    assert zeros.warnings == ("silent",) and zeros.rms_dbfs == -120.0
    hum = read_audio(tone(tmp_path / "hum.wav", amplitude=10 ** (-60 / 20)), LIMIT)       # about -63 dBFS
    assert hum.warnings == ("silent",) and hum.rms_dbfs == pytest.approx(-63.0, abs=0.2)
    assert read_audio(tone(tmp_path / "tone.wav", amplitude=0.01), LIMIT).warnings == ()  # about -43 dBFS


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_U8", "PCM_24", "FLOAT"])
def test_clipped_audio_is_called_clipped(subtype, tmp_path):
    loud = read_audio(tone(tmp_path / "loud.wav", amplitude=1.6, subtype=subtype), LIMIT)
    assert loud.warnings == ("clipped",)
    assert loud.samples.max() <= 1.0 and loud.samples.min() >= -1.0       # a float file's 1.6 is cut to 1
    assert read_audio(tone(tmp_path / "fine.wav", amplitude=0.9, subtype=subtype), LIMIT).warnings == ()


def test_a_few_full_scale_peaks_are_not_clipping(tmp_path):
    import soundfile

    wave = np.zeros(16_000)
    wave[::4000] = 1.0                         # 4 samples in 16,000 at full scale: 0.025 %, under 0.1 %
    wave[1::2] = 0.3
    soundfile.write(tmp_path / "peaks.wav", wave, 16_000)
    assert read_audio(tmp_path / "peaks.wav", LIMIT).warnings == ()


# --- what is refused, and how it is said ------------------------------------------------------

def refused(source, max_seconds=LIMIT, kind=InvalidInput):
    with pytest.raises(kind) as err:
        read_audio(source, max_seconds)
    return err.value


@pytest.mark.parametrize("nothing", [None, "", "   "])
def test_no_recording_says_to_record_or_upload(nothing):
    err = refused(nothing)
    assert (err.key, err.field, err.message) == ("audio_missing", "Audio", "Record or upload some audio first.")


def test_a_missing_file_is_no_recording(tmp_path):
    assert refused(tmp_path / "gone.wav").key == "audio_missing"
    assert refused(tmp_path).key == "audio_missing"                        # a folder


@pytest.mark.parametrize("value", [123, ["a.wav"], {"path": "a.wav"}])
def test_a_value_that_is_not_a_path_or_bytes(value):
    err = refused(value)
    assert err.key == "audio_source"
    assert err.message == f"Audio must be an audio file (its path or its bytes), got {type(value).__name__}."


def test_an_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    err = refused(tmp_path / "empty.wav")
    assert err.key == "audio_empty" and "empty (0 bytes)" in err.message
    assert refused(b"").key == "audio_empty"


def test_text_renamed_wav_is_not_audio(tmp_path):
    (tmp_path / "notes.wav").write_text("these are my lecture notes, not a recording\n" * 20)
    err = refused(tmp_path / "notes.wav")
    assert err.key == "audio_unreadable"
    assert err.message == "This is not an audio file DL Lab can read: use WAV, FLAC, OGG, MP3."
    assert refused(b"\x00\x01 not audio at all" * 50).key == "audio_unreadable"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch, spoken):
    monkeypatch.setattr(config, "AUDIO_MAX_BYTES", 10_000)
    path = spoken[0]
    err = refused(path, kind=ResourceLimit)
    size = f"{path.stat().st_size / 2**20:.1f}"
    assert err.key == "audio_too_big" and err.message == f"The audio file is {size} MB; the limit is 0 MB."
    assert refused(path.read_bytes(), kind=ResourceLimit).key == "audio_too_big"


@pytest.mark.parametrize("name, keep, key", [
    ("a.flac", 3000, "audio_corrupt"),           # stops inside the first frame of samples
    ("a.ogg", 3000, "audio_corrupt"),            # stops before Vorbis' set-up headers end
    ("a.wav", 30, "audio_corrupt"),              # a header without a data chunk
    ("a.mp3", 4000, "audio_truncated"),          # plays, but only part of what its header promises
])
def test_a_damaged_or_cut_short_file(name, keep, key, tmp_path):
    whole = speak(SENTENCE, tmp_path / name, rate=44_100)
    (tmp_path / ("cut-" + name)).write_bytes(whole.read_bytes()[:keep])
    err = refused(tmp_path / ("cut-" + name))
    assert err.key == key
    if key == "audio_corrupt":
        assert err.message == "The audio file is damaged: it could not be decoded."
    else:
        assert err.message.startswith("The audio file is cut short: its header promises 1.")


def test_a_wav_cut_short_is_read_as_far_as_it_goes(spoken, tmp_path):
    path, _, reference = spoken
    data = path.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:len(data) // 2])
    got = read_audio(tmp_path / "cut.wav", LIMIT)
    assert got.duration_s == pytest.approx(reference.duration_s / 2, abs=0.01)


def test_twenty_minutes_are_refused_from_the_header_without_decoding(tmp_path, monkeypatch):
    import soundfile

    soundfile.write(tmp_path / "lecture.flac", np.zeros(20 * 60 * 8000, np.int16), 8000)

    def no_decoding(*args, **kwargs):
        raise AssertionError("the samples were read")

    monkeypatch.setattr(soundfile, "read", no_decoding)
    monkeypatch.setattr(soundfile.SoundFile, "read", no_decoding)
    monkeypatch.setattr(soundfile.SoundFile, "buffer_read", no_decoding)
    err = refused(tmp_path / "lecture.flac", max_seconds=600)
    assert err.key == "audio_too_long"
    assert err.message == "The audio is 1200.0 s long; the limit is 600 s. Cut it shorter first."


def test_a_file_that_does_not_give_its_length(spoken, tmp_path):
    import subprocess

    from tests.audio_samples import require

    require("ffmpeg")
    piped = tmp_path / "piped.flac"           # written to a pipe, FLAC cannot go back to note its length
    with piped.open("wb") as out:
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(spoken[0]), "-f", "flac", "pipe:1"], stdout=out,
                       check=True)
    err = refused(piped)
    assert err.key == "audio_length_unknown"
    assert err.message.startswith("This FLAC file does not say how long it is")


def test_too_short(tmp_path):
    err = refused(tone(tmp_path / "blip.wav", seconds=0.1))
    assert err.key == "audio_too_short"
    assert err.message == "The audio is 0.10 s long; at least 0.25 s is needed to hold a word."


def test_too_many_channels(tmp_path):
    err = refused(tone(tmp_path / "nine.wav", channels=9))
    assert err.key == "audio_channels"
    assert err.message == "The audio has 9 channels; at most 8 are supported. Mix it down to mono or stereo first."


def test_a_format_outside_the_list(tmp_path):
    err = refused(tone(tmp_path / "mac.aiff"))
    assert err.key == "audio_format" and err.message == "AIFF audio files are not supported: use WAV, FLAC, OGG, MP3."


@pytest.mark.parametrize("rate", [2_000, 500_000, 44_101])
def test_a_sample_rate_that_cannot_be_converted(rate, tmp_path):
    err = refused(tone(tmp_path / "odd.wav", rate=rate, frequency=100))
    assert err.key == "audio_sample_rate" and err.params["rate"] == rate
    assert err.message.startswith(f"The audio's sample rate, {rate} Hz, is not one DL Lab can convert")


# --- from a microphone or gr.Audio(type="numpy") ------------------------------------------------

def int16_voice(n, channels):
    t = np.arange(n) / 48_000
    wave = (0.4 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    return wave if channels == 1 else np.repeat(wave[:, None], channels, axis=1)


@pytest.mark.parametrize("channels", [1, 2])
def test_int16_at_48_khz_from_the_microphone(channels):
    got = from_array(48_000, int16_voice(96_000, channels))
    assert got.samples.dtype == np.float32 and len(got.samples) == 32_000
    assert (got.sample_rate_in, got.channels_in, got.duration_s, got.format) == (48_000, channels, 2.0,
                                                                                  "array int16")
    assert peak_frequency(got.samples) == pytest.approx(440.0, abs=2.0)
    assert np.abs(got.samples[1000:-1000]).max() == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("values, expected", [
    (np.array([0, 16384, -32768], np.int16), [0.0, 0.5, -1.0]),
    (np.array([0, 2**30, -2**31], np.int32), [0.0, 0.5, -1.0]),
    (np.array([128, 192, 0], np.uint8), [0.0, 0.5, -1.0]),
    (np.array([0.0, 0.5, -1.0]), [0.0, 0.5, -1.0]),
    ([0.0, 0.5, -1.0], [0.0, 0.5, -1.0]),
])
def test_integer_samples_are_scaled_by_their_full_scale(values, expected):
    long = np.tile(np.asarray(values), 2000)                 # 6000 samples at 16 kHz: long enough
    got = from_array(16_000, long)
    np.testing.assert_allclose(got.samples[:3], expected, atol=1e-6)


def test_a_float_array_holding_nan_becomes_silence_there():
    wave = np.full(8000, 0.25, np.float32)
    wave[100] = np.nan
    got = from_array(16_000, wave)
    assert got.samples[100] == 0.0 and np.isfinite(got.samples).all()


@pytest.mark.parametrize("rate, values, key", [
    (16_000, None, "audio_missing"),
    (None, np.zeros(8000), "audio_missing"),
    (16_000, np.zeros(8000, complex), "audio_samples"),
    (16_000, np.array(["a"] * 8000), "audio_samples"),
    (16_000, [[0.0, 0.1], [0.2]], "audio_samples"),
    (16_000, np.zeros((8000, 2, 2)), "audio_shape"),
    (16_000, np.zeros((8000, 0)), "audio_shape"),
    ("fast", np.zeros(8000), "audio_sample_rate"),
    (16_000.5, np.zeros(8000), "audio_sample_rate"),
    (100, np.zeros(8000), "audio_sample_rate"),
    (16_000, np.zeros((8000, 9)), "audio_channels"),
    (16_000, np.zeros(0, np.int16), "audio_too_short"),
    (16_000, np.zeros(2000, np.int16), "audio_too_short"),
])
def test_from_array_refuses(rate, values, key):
    with pytest.raises(InvalidInput) as err:
        from_array(rate, values)
    assert err.value.key == key


def test_from_array_length_limit():
    with pytest.raises(InvalidInput) as err:
        from_array(16_000, np.zeros(16_000 * 11, np.int16), max_seconds=10)
    assert err.value.key == "audio_too_long" and err.value.params == {"seconds": "11.0", "max": "10"}
    assert from_array(16_000.0, np.zeros(16_000 * 10, np.int16), max_seconds=10).duration_s == 10.0


def test_audio_is_frozen_and_its_samples_read_only():
    got = from_array(16_000, np.zeros(8000, np.int16))
    with pytest.raises(ValueError):
        got.samples[0] = 1.0
    with pytest.raises(AttributeError):
        got.duration_s = 3.0


# --- views -------------------------------------------------------------------------------------

def sine(frequency, n=16_000):
    return np.sin(2 * np.pi * frequency * np.arange(n) / 16_000).astype(np.float32)


def test_log_mel_has_80_bands_and_a_column_every_10_ms():
    spectrogram = log_mel(sine(440))
    assert spectrogram.shape == (80, 101) and spectrogram.dtype == np.float32
    np.testing.assert_allclose(mel_times(16_000), np.arange(101) * 0.01)
    assert spectrogram.mean(axis=1).argmax() < log_mel(sine(3000)).mean(axis=1).argmax()   # higher pitch, higher band


def test_log_mel_of_ten_minutes_is_bounded_and_still_shows_a_click():
    wave = np.zeros(600 * 16_000, np.float32)
    wave[int(377.5 * 16_000):int(377.5 * 16_000) + 80] = 0.8        # 5 ms at 6 min 17.5 s
    spectrogram = log_mel(wave)
    times = mel_times(len(wave))
    assert spectrogram.shape[0] == 80 and spectrogram.shape[1] <= config.PLOT_MAX_FRAMES
    assert len(times) == spectrogram.shape[1] and times[-1] == pytest.approx(600, abs=0.5)
    loudest = spectrogram.max(axis=0).argmax()
    assert times[loudest] == pytest.approx(377.5, abs=0.5)
    assert spectrogram[:, loudest].max() - np.median(spectrogram) > 40


def test_log_mel_in_pieces_gives_torchaudios_numbers():
    import torch
    import torchaudio.transforms as T

    wave = np.random.default_rng(0).standard_normal(180 * 16_000).astype(np.float32) * 0.1
    power = T.MelSpectrogram(16_000, n_fft=400, hop_length=160, n_mels=80)(torch.from_numpy(wave))   # all at once
    bucket = -(-power.shape[1] // config.PLOT_MAX_FRAMES)
    loudest = torch.nn.functional.max_pool1d(power[None], bucket, bucket, ceil_mode=True)[0]
    np.testing.assert_allclose(log_mel(wave), T.AmplitudeToDB("power", top_db=80.0)(loudest).numpy(), atol=1e-4)


def test_log_mel_of_fewer_samples_than_a_window():
    spectrogram = log_mel(np.zeros(10, np.float32))       # padded with silence to one 25 ms window
    assert spectrogram.shape == (80, 3) and len(mel_times(10)) == 3 and np.isfinite(spectrogram).all()


def test_waveform_points_are_bounded_and_keep_a_single_click():
    wave = np.zeros(600 * 16_000, np.float32)
    wave[5_000_001] = 0.9
    wave[8_000_000] = -0.7
    times, low, high = waveform_points(wave, config.PLOT_MAX_POINTS)
    assert len(times) == len(low) == len(high) <= config.PLOT_MAX_POINTS
    assert high.max() == pytest.approx(0.9) and low.min() == pytest.approx(-0.7)
    assert times[high.argmax()] == pytest.approx(5_000_001 / 16_000, abs=600 / config.PLOT_MAX_POINTS)
    assert times[0] >= 0 and times[-1] <= 600 and np.all(np.diff(times) > 0)


def test_waveform_points_of_short_audio_are_the_samples():
    wave = np.linspace(-1, 1, 50, dtype=np.float32)
    times, low, high = waveform_points(wave, 100)
    assert np.array_equal(low, wave) and np.array_equal(high, wave) and times[1] == 1 / 16_000


def test_waveform_points_with_a_shorter_last_run():
    wave = np.arange(10, dtype=np.float32)
    times, low, high = waveform_points(wave, 4, sample_rate=1)        # runs of 3: 0-2, 3-5, 6-8, 9
    assert low.tolist() == [0, 3, 6, 9] and high.tolist() == [2, 5, 8, 9] and times.tolist() == [1, 4, 7, 9]
