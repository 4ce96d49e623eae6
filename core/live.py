"""Live transcription: a microphone stream heard as it arrives, one browser session at a time.

The page sends a chunk of samples about every half second (48 kHz int16 from a browser).
A ``LiveTranscriber`` belongs to one session (kept in its gr.State, never in a module
global), resamples each chunk to 16 kHz and keeps at most config.LIVE_MAX_SECONDS of audio.

- pocketsphinx decodes incrementally (core.sphinx.LiveDecoder), in either of its modes.
- wav2vec2 commits the audio in chunks once enough follows them to give context, and
  re-hears only the uncommitted tail (a few seconds) about once a second, so the work per
  update stays bounded however long the student talks.

Whisper hears 30-second windows and is not offered live.
"""

from __future__ import annotations

import numpy as np

from core import config
from core.speech import Segment, mask

LIVE_CHUNK_SECONDS = 5.0        # wav2vec2 commits the audio this much at a time
GATHER_SECONDS = 0.5            # a browser streams ~0.1 s pieces; they are gathered to this much first


class LiveTranscriber:
    def __init__(self, engine: str, phrases: tuple[str, ...] = (), filter: bool = True):  # noqa: A002
        from core import models
        from core.speech import TranscribeConfig

        if engine not in ("pocketsphinx", "wav2vec2"):
            from core.errors import InvalidInput

            raise InvalidInput("Engine", "live_engine", value=engine)
        self.config = TranscribeConfig(engine=engine, phrases=phrases, filter=filter)
        self.samples = np.zeros(0, dtype=np.float32)
        self.full = False               # the session reached config.LIVE_MAX_SECONDS: later audio is ignored
        self._pending = 0               # samples since the last update
        self._gathered: list = []       # the browser's pieces not yet heard: (rate, array)
        self._text = ""
        if engine == "pocketsphinx":
            from core.sphinx import LiveDecoder

            self._sphinx = LiveDecoder(phrases or None)
        else:
            self._loaded = models.load("asr")
            self._path = np.zeros(0, dtype=np.int64)    # the best token of every committed frame
            self._committed = 0                         # samples decided for good

    @property
    def seconds(self) -> float:
        return len(self.samples) / config.SAMPLE_RATE

    def add(self, sample_rate: int, array) -> str:
        """Take one piece from the microphone; returns the transcript so far (filtered when asked).
        Pieces are gathered until they make GATHER_SECONDS (Gradio sends about 0.1 s at a time,
        shorter than any engine hears a word in)."""
        if self.full:
            return self.text
        if self._gathered and self._gathered[0][0] != sample_rate:     # the rate changed: hear what came before
            self._hear()
        self._gathered.append((sample_rate, np.asarray(array)))
        if sum(len(a) for _, a in self._gathered) >= GATHER_SECONDS * sample_rate:
            self._hear()
        return self.text

    def _hear(self) -> None:
        """Hear the gathered pieces (the last ones, shorter than a word can be, padded with silence)."""
        from core.audio import from_array

        if not self._gathered:
            return
        rate, pieces = self._gathered[0][0], [a for _, a in self._gathered]
        self._gathered = []
        piece = np.concatenate(pieces)
        shortest = int(np.ceil(config.AUDIO_MIN_SECONDS * rate))
        if len(piece) < shortest:
            piece = np.concatenate([piece, np.zeros((shortest - len(piece), *piece.shape[1:]), piece.dtype)])
        room = int(config.LIVE_MAX_SECONDS * config.SAMPLE_RATE) - len(self.samples)
        chunk = from_array(rate, piece).samples[:room]
        self.full = len(chunk) >= room
        self.samples = np.concatenate([self.samples, chunk])
        self._pending += len(chunk)
        if self.config.engine == "pocketsphinx":
            self._text = self._sphinx.add(chunk)
        elif self._pending >= config.LIVE_INTERVAL_S * config.SAMPLE_RATE:
            self._pending = 0
            self._text = " ".join(w.text for w in self._wav2vec2_words())

    @property
    def text(self) -> str:
        """The transcript so far, through the classroom filter when it is on."""
        return mask(self._text)[0] if self.config.filter else self._text

    def _wav2vec2_words(self):
        from core.ctc import Chunk, Word, kept_frames, words_from_path
        from core.wav2vec2 import alphabet, frame_hop, frame_logits

        loaded, rate = self._loaded, config.SAMPLE_RATE
        tokens, blank, delimiter, silent = alphabet(loaded.processor)
        hop, margin = frame_hop(loaded.model), int(config.CHUNK_OVERLAP_SECONDS * rate)
        size = int(LIVE_CHUNK_SECONDS * rate)
        n = len(self.samples)
        while self._committed + size + margin <= n:         # enough audio after it: decide this chunk for good
            chunk = Chunk(self._committed, self._committed + size, max(0, self._committed - margin),
                          self._committed + size + margin)
            logits = frame_logits(loaded, self.samples[chunk.window_start: chunk.window_end])
            self._path = np.concatenate([self._path, logits[kept_frames(chunk, len(logits), hop)].argmax(1)])
            self._committed += size
        path = self._path
        if n > self._committed:                               # the tail, heard again at the next update
            tail = Chunk(self._committed, n, max(0, self._committed - margin), n)
            logits = frame_logits(loaded, self.samples[tail.window_start:])
            path = np.concatenate([path, logits[kept_frames(tail, len(logits), hop)].argmax(1)])
        return [Word(w.text.lower(), w.start, w.end)
                for w in words_from_path(path, tokens, blank, delimiter, hop / rate, silent)]

    def finish(self) -> tuple[str, list[Segment], int]:
        """The whole session's transcript: (text, segments, words the classroom filter hid)."""
        self._hear()
        if self.config.engine == "pocketsphinx":
            result = self._sphinx.finish()
            segments = [Segment(start, end, word) for word, start, end in result.words]
        else:
            segments = [Segment(w.start, w.end, w.text) for w in self._wav2vec2_words()]
        hidden = 0
        if self.config.filter:
            masked = [mask(s.text) for s in segments]
            segments = [Segment(s.start, s.end, text) for s, (text, _) in zip(segments, masked)]
            hidden = sum(n for _, n in masked)
        return " ".join(s.text for s in segments), segments, hidden
