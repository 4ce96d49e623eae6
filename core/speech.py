"""Speech to text: three engines behind one call, all giving the same segment records.

``TranscribeConfig.from_user`` checks what the page or the API sent. ``Transcription.steps()``
is a generator of progress records (one per chunk of audio heard), and ``result()`` gives the
``Transcript``: the text, its segments with times (words for wav2vec2 and pocketsphinx,
phrases for Whisper), which engine ran and why, and what it cost.

- *wav2vec2* (core.ctc): CTC over characters, greedy, long audio in overlapping chunks.
- *Whisper* (core.whisper): an encoder-decoder that writes text with timestamps, 30 s at a time.
- *pocketsphinx* (core.sphinx): no download, open vocabulary or a list of expected phrases.
- *auto*: pocketsphinx when a phrase list is given, else wav2vec2 when its weights can be loaded,
  else pocketsphinx; the record says why.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator


from core import config, validate
from core.errors import InvalidInput, ModelUnavailable


@dataclass(frozen=True)
class Segment:
    start: float        # seconds
    end: float
    text: str


@dataclass(frozen=True)
class Progress:
    done_s: float       # audio heard so far
    total_s: float
    text: str           # the transcript so far

    @property
    def final(self) -> bool:
        """All the audio is heard (core.scheduler lets the run go without waiting for another turn)."""
        return self.done_s >= self.total_s


def check_language(value) -> str:
    """'auto' or one of Whisper's language codes."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return "auto"
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    code = value.strip().lower() if isinstance(value, str) else None
    if code not in LANGUAGES:
        raise InvalidInput("Language", "language_unknown", value=validate.show(value))
    return code


@dataclass(frozen=True)
class TranscribeConfig:
    engine: str = "auto"
    precision: str = "fp32"
    language: str = "auto"              # Whisper only
    phrases: tuple[str, ...] = ()       # pocketsphinx's phrase-list mode when not empty
    filter: bool = True                 # the classroom filter

    @classmethod
    def from_user(cls, engine="auto", precision="fp32", language="auto", phrases=None,
                  filter=True) -> "TranscribeConfig":  # noqa: A002 - the API's parameter name
        from core import sphinx

        text = validate.short_text(phrases, "Phrases", config.MAX_PHRASES_TEXT) if phrases is not None else ""
        return cls(
            engine=validate.choice("auto" if engine is None else engine, config.ENGINES, "Engine"),
            precision=validate.choice("fp32" if precision is None else precision, config.PRECISIONS, "Precision"),
            language=check_language(language),
            phrases=sphinx.parse_phrases(text) if text else (),
            filter=validate.flag(True if filter is None else filter, "Classroom filter"),
        )


_WORD = re.compile(r"[\w']+", re.UNICODE)


def mask(text: str) -> tuple[str, int]:
    """``text`` with every blocklisted word (config.CLASSROOM_BLOCKLIST) replaced by asterisks, and how many."""
    count = 0

    def hide(match):
        nonlocal count
        if match.group(0).lower() in config.CLASSROOM_BLOCKLIST:
            count += 1
            return "*" * len(match.group(0))
        return match.group(0)

    text = _WORD.sub(hide, text)
    for phrase in (w for w in config.CLASSROOM_BLOCKLIST if not w.isascii()):   # no spaces between Chinese words
        count += text.count(phrase)
        text = text.replace(phrase, "*" * len(phrase))
    return text, count


@dataclass(frozen=True)
class Transcript:
    text: str
    segments: tuple[Segment, ...]
    engine: str                 # the engine that ran
    reason: str                 # why: "chosen", or auto's "auto: wav2vec2 loaded", "auto: a phrase list was
                                # given", "auto: wav2vec2 unavailable (<key>)"
    model: str | None
    source: str | None
    device: str
    precision: str
    duration_s: float
    processing_s: float
    language: str | None = None         # Whisper's (chosen or detected)
    masked: int = 0                     # words the classroom filter hid
    mode: str | None = None             # pocketsphinx: "open" or "phrases"
    emission: object | None = None      # wav2vec2: the first seconds of its CTC emission (core.ctc.EmissionView)
    stopped: bool = False

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time ÷ audio duration (below 1 is faster than real time)."""
        return self.processing_s / self.duration_s if self.duration_s > 0 else 0.0

    def summary(self, audio) -> dict:
        """The record the API returns."""
        return {
            "text": self.text, "duration_s": round(audio.duration_s, 3), "sample_rate_in": audio.sample_rate_in,
            "channels_in": audio.channels_in, "format": audio.format, "warnings": list(audio.warnings),
            "processing_s": round(self.processing_s, 3), "rtf": round(self.rtf, 4), "engine": self.engine,
            "reason": self.reason, "model": self.model, "source": self.source, "device": self.device,
            "precision": self.precision, "language": self.language, "mode": self.mode, "masked": self.masked,
            "stopped": self.stopped,
            "segments": [{"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text} for s in self.segments],
        }


@dataclass
class Transcription:
    """One transcription of ``audio`` (a core.audio.Audio): runs on demand via ``steps()``."""

    config: TranscribeConfig
    audio: object
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self):
        self.engine, self.reason, self.loaded = self._choose_engine()
        limit = config.AUDIO_MAX_SECONDS[self.engine]
        if self.audio.duration_s > limit:
            raise InvalidInput("Audio", "audio_too_long_for_engine", seconds=f"{self.audio.duration_s:.0f}",
                               max=limit, engine=self.engine)
        self._segments: list[Segment] = []
        self._started = self._seconds = 0.0
        self._extra: dict = {}
        self.stopped = False

    def _choose_engine(self):
        """(engine, why, loaded model or None): auto tries wav2vec2's weights, else pocketsphinx."""
        from core import models

        cfg = self.config
        if cfg.engine == "pocketsphinx":
            return "pocketsphinx", "chosen", None
        if cfg.engine in ("wav2vec2", "whisper"):
            kind = "asr" if cfg.engine == "wav2vec2" else "whisper"
            return cfg.engine, "chosen", models.load(kind, precision=cfg.precision)
        if cfg.phrases:
            return "pocketsphinx", "auto: a phrase list was given", None
        try:
            return "wav2vec2", "auto: wav2vec2 loaded", models.load("asr", precision=cfg.precision)
        except ModelUnavailable as missing:
            return "pocketsphinx", f"auto: wav2vec2 unavailable ({missing.key})", None

    def steps(self) -> Iterator[Progress]:
        """Hear the audio, yielding progress after each chunk; Stop ends it after the current chunk."""
        self._started = time.perf_counter()
        try:
            if self.engine == "wav2vec2":
                from core.wav2vec2 import words
                source = words(self.loaded, self.audio.samples, self._extra)
            elif self.engine == "whisper":
                from core.whisper import segments
                source = segments(self.loaded, self.audio.samples, self.config.language, self._extra)
            else:
                source = self._sphinx()
            for done_s, found in source:
                self._segments.extend(Segment(s.start, s.end, s.text) for s in found)
                yield Progress(done_s, self.audio.duration_s, self._joined(self._segments))
                if self.should_stop():
                    self.stopped = True
                    break
        finally:
            self._seconds = time.perf_counter() - self._started

    def _sphinx(self):
        from core import sphinx

        result = sphinx.recognize(self.audio.samples, self.config.phrases or None)
        self._extra["mode"] = result.mode
        yield self.audio.duration_s, [Segment(start, end, word) for word, start, end in result.words]

    def _joined(self, segments) -> str:
        separator = "" if self.engine == "whisper" else " "
        return separator.join(s.text for s in segments).strip()

    def result(self) -> Transcript:
        """The transcript (so far, when stopped), after the classroom filter when it is on."""
        segments, masked = list(self._segments), 0
        if self.config.filter:
            hidden = [mask(s.text) for s in segments]
            segments = [Segment(s.start, s.end, text) for s, (text, _) in zip(segments, hidden)]
            masked = sum(n for _, n in hidden)
        loaded = self.loaded
        return Transcript(
            text=self._joined(segments), segments=tuple(segments), engine=self.engine, reason=self.reason,
            model=loaded.name if loaded else None, source=loaded.source if loaded else "pocketsphinx package",
            device=str(loaded.device) if loaded else "cpu", precision=loaded.precision if loaded else "fp32",
            duration_s=self.audio.duration_s, processing_s=self._seconds, language=self._extra.get("language"),
            masked=masked, mode=self._extra.get("mode"), emission=self._extra.get("emission"), stopped=self.stopped)
