"""Audio made at test time, never downloaded: speech from espeak-ng, converted by sox (or
ffmpeg, for MP3), and pure tones from numpy and soundfile.

Without espeak-ng, sox or ffmpeg the tests that need them are skipped with the reason
shown, unless DLLAB_REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

INSTALL = "apt-get install espeak-ng sox ffmpeg"


def require(*tools: str) -> None:
    """Skip the calling test (fail it in CI) when one of these programs is not installed."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} not found ({INSTALL})"
    if os.environ.get("DLLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"audio tests are required here but cannot run: {reason}")
    pytest.skip(reason)


def _run(*command) -> None:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def speak(text: str, path, rate: int = 16_000, channels: int = 1, bits: int | None = 16,
          encoding: str | None = None) -> Path:
    """``text`` spoken by espeak-ng into ``path``, whose suffix picks the format (.wav, .flac,
    .ogg, .mp3): at ``rate`` Hz, with the voice copied to every one of ``channels``, ``bits``
    per sample (ignored by OGG and MP3) and sox's ``encoding`` ("floating-point",
    "unsigned-integer", ...; None: sox's default for the format and bits)."""
    path = Path(path)
    require("espeak-ng", "sox")
    voice = path.with_name(path.stem + ".espeak.wav")
    _run("espeak-ng", "-w", voice, text)
    if path.suffix.lower() == ".mp3":
        require("ffmpeg")        # Debian's sox writes no MP3; ffmpeg's own up-mix would lower the level
        wide = path.with_name(path.stem + ".wide.wav")
        _run("sox", "-V1", voice, "-r", rate, "-c", channels, wide)
        _run("ffmpeg", "-v", "error", "-y", "-i", wide, "-codec:a", "libmp3lame", path)
        wide.unlink()
    else:
        options = [] if path.suffix.lower() == ".ogg" or bits is None else ["-b", bits]
        options += ["-e", encoding] if encoding else []
        _run("sox", "-V1", voice, *options, "-r", rate, "-c", channels, path)
    voice.unlink()
    return path


def seconds(path) -> float:
    """The length of an audio file as sox reads it (not soundfile, which is under test)."""
    require("sox")
    done = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, timeout=60, check=True)
    return float(done.stdout)


def tone(path, frequency: float = 440.0, seconds: float = 1.0, rate: int = 16_000, channels: int = 1,
         amplitude: float = 0.5, subtype: str | None = None) -> Path:
    """A sine wave written by soundfile (the same in every channel); ``subtype`` as soundfile
    names it ("PCM_16", "PCM_U8", "FLOAT", ...; None: the format's default)."""
    import soundfile

    t = np.arange(round(seconds * rate)) / rate
    wave = amplitude * np.sin(2 * np.pi * frequency * t)
    soundfile.write(str(path), np.repeat(wave[:, None], channels, axis=1), rate, subtype=subtype)
    return Path(path)


def peak_frequency(samples: np.ndarray, rate: int = 16_000) -> float:
    """The frequency of the strongest component, in Hz."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])
