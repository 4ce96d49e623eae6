"""Reading the audio a student uploads or records, for the Transcribe tab's speech engines.

Every engine hears the same thing: mono float32 in [-1, 1] at ``config.SAMPLE_RATE``.
``read_audio`` checks a file's size, then its header (format, channels, sample rate,
length), and only then decodes it, a block at a time, mixing channels to mono as it goes,
so a 20-minute file is refused without reading its samples and an 8-channel one never
sits in memory at full width. ``from_array`` does the same for what a microphone gives.
Files are decoded by libsndfile (bundled with soundfile: WAV of any depth, FLAC, OGG,
MP3), not by an FFmpeg the machine may lack.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import config
from core.errors import InvalidInput, ResourceLimit

_BLOCK_FRAMES = 1 << 17          # frames decoded at a time (4 MB for 8 channels of float32)
_FULL_SCALE = 0.999              # |x| at or above this counts as clipped ...
_FULL_SCALE_8_BIT = 127 / 128    # ... except in 8-bit audio, whose largest positive value is this
_WAV_FAMILY = {"WAVEX": "WAV", "RF64": "WAV"}    # what libsndfile names some WAV files
_TRUNCATED_SLACK = 0.1           # MP3 headers without a Xing frame only estimate their length
_UNKNOWN_FRAMES = 2**63 - 1      # libsndfile's length when the header does not give one
_FLOOR_DBFS = -120.0             # the level of digital silence, rather than minus infinity
_RESAMPLE_CHUNK = 1 << 18        # input samples resampled at a time ...
_RESAMPLE_CONTEXT = 2048         # ... with this many more on each side (the filter reaches < 200)
_RESAMPLE_MAX_TABLE = 1 << 21    # torchaudio's filter table holds (steps in × steps out) entries


@dataclass(frozen=True, eq=False)
class Audio:
    """Audio ready for a speech engine, and what it was before."""

    samples: np.ndarray          # float32, mono, config.SAMPLE_RATE, in [-1, 1], read-only
    sample_rate_in: int
    channels_in: int
    duration_s: float
    format: str                  # "WAV PCM_24", "MP3 MPEG_LAYER_III", "array int16"
    warnings: tuple[str, ...] = ()   # "silent", "clipped"

    @property
    def sample_rate(self) -> int:
        return config.SAMPLE_RATE

    @property
    def rms_dbfs(self) -> float:
        return rms_dbfs(self.samples)


def rms_dbfs(samples: np.ndarray) -> float:
    """Root-mean-square level in dB relative to full scale (a full-scale sine is about -3)."""
    mean_square = float(np.mean(np.square(samples), dtype=np.float64)) if len(samples) else 0.0
    return max(_FLOOR_DBFS, 10 * math.log10(mean_square)) if mean_square > 0 else _FLOOR_DBFS


def read_audio(source, max_seconds: float) -> Audio:
    """Decode an audio file (a path or its bytes) to mono ``config.SAMPLE_RATE`` float32.

    Refused, each with its own message: nothing given, not a path or bytes, a missing or
    empty file, a file over ``config.AUDIO_MAX_BYTES``, anything that is not audio, a format
    outside ``config.AUDIO_FORMATS``, more than ``config.AUDIO_MAX_CHANNELS`` channels, an
    odd sample rate, audio longer than ``max_seconds`` or shorter than
    ``config.AUDIO_MIN_SECONDS``, and a damaged or cut-short file. A WAV file cut short is
    read as far as its data goes (libsndfile takes its length from the data present).
    """
    import soundfile

    handle = _open(source)
    try:
        with soundfile.SoundFile(handle) as sound:
            family = _WAV_FAMILY.get(sound.format, sound.format)
            if family not in config.AUDIO_FORMATS:
                raise InvalidInput("Audio", "audio_format", format=family, formats=_formats())
            frames, rate, channels = sound.frames, sound.samplerate, sound.channels
            _check_header(rate, channels)
            if frames >= _UNKNOWN_FRAMES:     # a FLAC written to a pipe: libsndfile fails on its second block
                raise InvalidInput("Audio", "audio_length_unknown", format=family)
            _check_length(frames / rate, max_seconds)
            full_scale = _FULL_SCALE_8_BIT if sound.subtype in ("PCM_U8", "PCM_S8") else _FULL_SCALE
            cap = math.floor(max_seconds * rate) + 1
            mono, clipped = _mix(_blocks(sound, cap), min(frames, cap), full_scale)
            fmt = f"{family} {sound.subtype}"
    except soundfile.LibsndfileError as exc:
        if exc.code == 1:               # SF_ERR_UNRECOGNISED_FORMAT: not audio at all
            raise InvalidInput("Audio", "audio_unreadable", formats=_formats()) from None
        raise InvalidInput("Audio", "audio_corrupt") from None    # malformed header, or data that fails to decode
    except (TypeError, ValueError):
        raise InvalidInput("Audio", "audio_unreadable", formats=_formats()) from None
    if len(mono) < frames * (1 - _TRUNCATED_SLACK):
        raise InvalidInput("Audio", "audio_truncated", expected=f"{frames / rate:.1f}", got=f"{len(mono) / rate:.1f}")
    _check_length(len(mono) / rate, max_seconds)
    return _finish(mono, rate, channels, fmt, clipped)


def from_array(sample_rate, array, max_seconds: float | None = None) -> Audio:
    """What gr.Audio(type="numpy") or a microphone stream gives: ``(rate, samples)``, the
    samples int16, int32, uint8 or float, shaped (n,) or (n, channels). ``max_seconds``
    defaults to the longest any engine takes."""
    if array is None or sample_rate is None:
        raise InvalidInput("Audio", "audio_missing")
    limit = max(config.AUDIO_MAX_SECONDS.values()) if max_seconds is None else max_seconds
    try:
        values = np.asarray(array)
    except (TypeError, ValueError):         # a ragged list
        raise InvalidInput("Audio", "audio_samples", dtype="object") from None
    if values.dtype.kind not in "iuf":
        raise InvalidInput("Audio", "audio_samples", dtype=str(values.dtype))
    if values.ndim not in (1, 2):
        raise InvalidInput("Audio", "audio_shape", shape=str(values.shape))
    values = values[:, None] if values.ndim == 1 else values
    frames, channels = values.shape
    if channels < 1:
        raise InvalidInput("Audio", "audio_shape", shape=str(values.shape))
    rate = _whole_number(sample_rate)
    _check_header(rate, channels)
    _check_length(frames / rate, limit)
    full_scale = _FULL_SCALE_8_BIT if values.dtype.kind in "iu" and values.dtype.itemsize == 1 else _FULL_SCALE
    blocks = (_to_float(values[i:i + _BLOCK_FRAMES]) for i in range(0, frames, _BLOCK_FRAMES))
    mono, clipped = _mix(blocks, frames, full_scale)
    return _finish(mono, rate, channels, f"array {values.dtype}", clipped)


def _whole_number(value):
    """``value`` as an int when it is a whole number (a numpy integer, 16000.0), else as it came."""
    try:
        return int(value) if float(value) == int(value) and not isinstance(value, bool) else value
    except (TypeError, ValueError, OverflowError):
        return value


def _formats() -> str:
    return ", ".join(config.AUDIO_FORMATS)


def _open(source):
    """A path or a BytesIO for soundfile, after the checks that need no decoding."""
    if source is None or (isinstance(source, str) and not source.strip()):
        raise InvalidInput("Audio", "audio_missing")
    if isinstance(source, (bytes, bytearray, memoryview)):
        size = len(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput("Audio", "audio_missing")
        size = path.stat().st_size
    else:
        raise InvalidInput("Audio", "audio_source", type=type(source).__name__)
    if size == 0:
        raise InvalidInput("Audio", "audio_empty")
    if size > config.AUDIO_MAX_BYTES:
        raise ResourceLimit("audio_too_big", size=f"{size / 2**20:.1f}", max=config.AUDIO_MAX_BYTES // 2**20)
    return str(path) if isinstance(source, (str, os.PathLike)) else io.BytesIO(bytes(source))


def _check_header(rate, channels: int) -> None:
    if channels > config.AUDIO_MAX_CHANNELS:
        raise InvalidInput("Audio", "audio_channels", channels=channels, max=config.AUDIO_MAX_CHANNELS)
    # A rate like 44101 Hz shares no factor with 16 kHz: its filter table would take gigabytes.
    if not (isinstance(rate, int) and config.AUDIO_MIN_RATE <= rate <= config.AUDIO_MAX_RATE
            and math.prod(_ratio(rate)) <= _RESAMPLE_MAX_TABLE):
        raise InvalidInput("Audio", "audio_sample_rate", rate=rate, lo=config.AUDIO_MIN_RATE,
                           hi=config.AUDIO_MAX_RATE)


def _check_length(seconds: float, max_seconds: float) -> None:
    if seconds > max_seconds:
        raise InvalidInput("Audio", "audio_too_long", seconds=f"{seconds:.1f}", max=f"{max_seconds:g}")
    if seconds < config.AUDIO_MIN_SECONDS:
        raise InvalidInput("Audio", "audio_too_short", seconds=f"{seconds:.2f}", min=f"{config.AUDIO_MIN_SECONDS:g}")


def _ratio(rate: int) -> tuple[int, int]:
    """(input samples, output samples) per step of the resampler: 48 kHz -> (3, 1)."""
    g = math.gcd(rate, config.SAMPLE_RATE)
    return rate // g, config.SAMPLE_RATE // g


def resample(mono: np.ndarray, rate: int) -> np.ndarray:
    """``mono`` at ``rate`` -> float32 at ``config.SAMPLE_RATE`` (torchaudio's windowed sinc).

    torchaudio convolves the whole signal at once through a buffer about 14 times its size
    (1.6 GB for 10 minutes at 48 kHz), so the signal goes through in chunks that start on a
    step of the ratio, each with some neighbouring samples on both sides (far more than the
    filter's reach) that are dropped after: the same numbers, in 15 MB.
    """
    import torch
    import torchaudio.functional

    step_in, step_out = _ratio(rate)
    chunk = step_in * max(1, _RESAMPLE_CHUNK // step_in)
    context = step_in * math.ceil(_RESAMPLE_CONTEXT / step_in)
    wave = torch.from_numpy(np.array(mono, dtype=np.float32))
    out = np.empty(math.ceil(len(mono) * step_out / step_in), np.float32)
    for start in range(0, len(mono), chunk):
        lo, hi = max(0, start - context), min(len(mono), start + chunk + context)
        piece = torchaudio.functional.resample(wave[lo:hi], rate, config.SAMPLE_RATE).numpy()
        first, last = start // step_in * step_out, min(len(out), (start + chunk) // step_in * step_out)
        skip = (start - lo) // step_in * step_out
        out[first:last] = piece[skip:skip + last - first]
    return out


def _blocks(sound, cap: int):
    """The file's frames as float32 blocks, stopping at ``cap`` frames: a header that
    understates the length gains nothing."""
    done = 0
    while done < cap:
        block = sound.read(min(_BLOCK_FRAMES, cap - done), dtype="float32", always_2d=True)
        if len(block) == 0:
            return
        done += len(block)
        yield block


def _mix(blocks, expected: int, full_scale: float):
    """Mono float32 (the mean of the channels) and the count of clipped input samples, a
    block at a time, so that only the mono signal is ever held whole."""
    mono = np.empty(expected, np.float32)
    extra: list[np.ndarray] = []        # frames past the header's count (an MP3's estimate was low)
    done = clipped = 0
    for block in blocks:
        clipped += int(np.count_nonzero(np.abs(block) >= full_scale))
        mixed = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        inside = max(0, min(len(mixed), expected - done))
        mono[done:done + inside] = mixed[:inside]
        if inside < len(mixed):
            extra.append(mixed[inside:])
        done += len(mixed)
    return (np.concatenate([mono, *extra]) if extra else mono[:done]), clipped


def _to_float(values: np.ndarray) -> np.ndarray:
    """Integers to [-1, 1) by their full scale (int16 / 32768, uint8 centred on 128), floats as they are."""
    if values.dtype.kind == "f":
        return values.astype(np.float32, copy=False)
    half = 2 ** (values.dtype.itemsize * 8 - 1)
    scaled = values.astype(np.float32)
    if values.dtype.kind == "u":
        scaled -= half
    scaled /= half
    return scaled


def _finish(mono: np.ndarray, rate: int, channels: int, fmt: str, clipped: int) -> Audio:
    """Resample to config.SAMPLE_RATE, keep it finite and in [-1, 1], and note what a listener would."""
    frames = len(mono)
    if rate != config.SAMPLE_RATE:
        mono = resample(mono, rate)
    # A float file may hold NaN or infinities; an engine would turn them into garbage, not words.
    # ``mono`` is this module's own array (from _mix or resample), so it is changed in place.
    samples = np.nan_to_num(mono, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    np.clip(samples, -1.0, 1.0, out=samples)
    samples.flags.writeable = False         # shared with the plots and the engines: nobody writes on it
    warnings = []
    if rms_dbfs(samples) < config.SILENCE_DBFS:
        warnings.append("silent")
    if clipped > config.CLIPPED_SHARE * frames * channels:
        warnings.append("clipped")
    return Audio(samples, rate, channels, frames / rate, fmt, tuple(warnings))


# --- views --------------------------------------------------------------------------------------

_WINDOW_S, _HOP_S = 0.025, 0.010
_MEL_CHUNK_FRAMES = 4096         # spectrogram frames computed at a time


def _mel_bucket(n_samples: int, sample_rate: int, max_frames: int) -> tuple[int, int]:
    """(frames the STFT gives, frames merged into one drawn column)."""
    frames = 1 + max(n_samples, round(_WINDOW_S * sample_rate)) // round(_HOP_S * sample_rate)
    return frames, max(1, math.ceil(frames / max_frames))


def log_mel(samples: np.ndarray, sample_rate: int = config.SAMPLE_RATE, n_mels: int = config.N_MELS,
            max_frames: int = config.PLOT_MAX_FRAMES) -> np.ndarray:
    """Log-mel spectrogram (n_mels × columns, dB, top 80 dB): 25 ms windows every 10 ms, then,
    for long audio, the loudest of each run of consecutive frames, so at most ``max_frames``
    columns and a short sound still shows. Every frame is computed, a few thousand at a time:
    a 10-minute file (60,000 frames) takes 0.15 s on a 2-core machine and 25 MB (at once: 220 MB)."""
    import torch
    import torch.nn.functional as F
    import torchaudio.transforms as T

    n_fft, hop = round(_WINDOW_S * sample_rate), round(_HOP_S * sample_rate)
    wave = np.asarray(samples, dtype=np.float32)
    if len(wave) < n_fft:                       # too short to reflect: pad with silence
        wave = np.pad(wave, (0, n_fft - len(wave)))
    wave = torch.from_numpy(np.pad(wave, n_fft // 2, mode="reflect"))      # centred frames, as center=True
    mel = T.MelSpectrogram(sample_rate, n_fft=n_fft, hop_length=hop, n_mels=n_mels, center=False)
    frames, bucket = _mel_bucket(len(samples), sample_rate, max_frames)
    step = bucket * max(1, _MEL_CHUNK_FRAMES // bucket)         # whole columns per piece
    columns = []
    for first in range(0, frames, step):
        power = mel(wave[first * hop:(min(first + step, frames) - 1) * hop + n_fft])
        columns.append(F.max_pool1d(power[None], bucket, bucket, ceil_mode=True)[0] if bucket > 1 else power)
    return T.AmplitudeToDB("power", top_db=80.0)(torch.cat(columns, dim=1)).numpy()


def mel_times(n_samples: int, sample_rate: int = config.SAMPLE_RATE,
              max_frames: int = config.PLOT_MAX_FRAMES) -> np.ndarray:
    """The time in seconds at the middle of each column ``log_mel`` gives for that many samples."""
    frames, bucket = _mel_bucket(n_samples, sample_rate, max_frames)
    first = np.arange(0, frames, bucket)
    last = np.minimum(first + bucket, frames) - 1
    return (first + last) / 2 * round(_HOP_S * sample_rate) / sample_rate


def waveform_points(samples: np.ndarray, max_points: int, sample_rate: int = config.SAMPLE_RATE):
    """(times, low, high): the lowest and highest sample in each of at most ``max_points``
    runs of samples, at the run's middle in seconds. Drawn as a band, a 10-minute file takes a
    few thousand points and a one-sample click still reaches its full height."""
    samples = np.asarray(samples, dtype=np.float32)
    n = len(samples)
    if n <= max_points:
        return np.arange(n) / sample_rate, samples.copy(), samples.copy()
    starts = np.arange(0, n, math.ceil(n / max_points))
    middles = (starts + np.append(starts[1:], n) - 1) / 2
    return middles / sample_rate, np.minimum.reduceat(samples, starts), np.maximum.reduceat(samples, starts)
