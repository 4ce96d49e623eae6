"""PocketSphinx: the speech engine that always works offline.

pocketsphinx's wheel ships an English acoustic model, a pronunciation dictionary (~135,000 words)
and a language model, so this engine needs no download. Two modes:

- open vocabulary (``phrases=None``): the bundled trigram language model over the whole dictionary.
  Its accuracy is honestly low ("turn on the light" may come back as "they're not like").
- phrase list: a JSGF grammar of the user's phrases (``parse_phrases``), so that the answer is
  exactly one of them, or nothing.

Both return words with their times. ``LiveDecoder`` does the same for a microphone stream.

Measured on the 2-core development machine, on espeak-ng speech (17.7 s in eight clips):
- a decoder starts in 0.22-0.31 s and holds ~90 MB in open vocabulary (its own copy of the language
  model), in ~0.08 s and ~27 MB with a phrase list (no language model loaded);
- real-time factor: 0.15 in open vocabulary (0.11-0.18 per clip), 0.01 with a phrase list; live,
  in 0.5 s chunks, the same.

Decoders are costly, so up to two idle ones per mode wait in a pool. A decoder is taken out of it for
a whole utterance, so one thread at a time uses it; nor do decoders share a language model, whose
trie writes lookup caches as it scores.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pocketsphinx

from core import config
from core.errors import InvalidInput
from core.validate import short_text

FIELD = "Phrases"
USE_WORKER_PROCESSES = True  # False where the caller is a process of its own already (a Ray worker)
PARENT_CHECK_S = 1.0        # how often a worker process checks that the server that started it is alive
_IDLE_DECODERS = 2          # idle decoders kept per mode; more are built while more are busy
_SHOWN_UNKNOWN = 10         # unknown words named in the message, at most
_QUIET_DB = 40              # leading and trailing frames this far under the loudest are cut ...
_MARGINS_S = (0.2, 0.3)     # ... but for this much before the first loud frame and after the last
_WORD_CHARS = re.compile(r"[^\w']+|_")       # what a phrase keeps: letters, digits, apostrophes
_VARIANT = re.compile(r"\(\d+\)$")           # "on(2)": the dictionary's second pronunciation of "on"

Words = tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class SphinxResult:
    text: str
    words: Words                # (word, start_s, end_s), fillers and silences left out
    mode: str                   # "open" or "phrases"
    seconds: float              # time spent recognising


class _Engine:
    """One pocketsphinx decoder configured for a mode, and the grammar set on it."""

    def __init__(self, mode: str):
        self.mode = mode
        if mode == "open":
            self.decoder = pocketsphinx.Decoder(loglevel="FATAL")
        else:
            # No language model to load, and no lattice pass: it can end on a path that stops
            # mid-phrase ("what time"). Without it an utterance is a whole phrase or nothing, and
            # 89 of 90 espeak-ng phrases (10 phrases, 3 voices, 3 speeds) come back exact, not 80.
            self.decoder = pocketsphinx.Decoder(loglevel="FATAL", lm=None, bestpath=False)
        self.frate = int(self.decoder.config["frate"])    # frames per second (100: 10 ms frames)
        self.grammar: str | None = None

    def prepare(self, phrases: tuple[str, ...] | None) -> None:
        if phrases is not None:
            grammar = "#JSGF V1.0;\ngrammar dllab;\npublic <phrase> = " + " | ".join(phrases) + " ;\n"
            if grammar != self.grammar:
                self.decoder.add_jsgf_string("phrases", grammar)
                self.decoder.activate_search("phrases")
                self.grammar = grammar

    def forget_live(self) -> None:
        """Back to batch normalisation and the initial cepstral mean: pocketsphinx switches a decoder
        to live normalisation for good once it is fed audio in pieces, with a running mean that is the
        last speaker's, and recognize() would then depend on who came before."""
        self.decoder.reinit_feat()

    def result(self, phrases, offset: float, duration: float) -> tuple[str, Words]:
        """The ended utterance's text and words, timed from ``offset`` and inside its ``duration``;
        with a phrase list, exactly one phrase or nothing."""
        words = []
        for seg in self.decoder.seg() or ():      # None when nothing was recognised
            if seg.word[0] in "<[(+":              # <s>, </s>, <sil>, [NOISE], (NULL) transitions
                continue
            start = min(seg.start_frame / self.frate, duration)
            end = min((seg.end_frame + 1) / self.frate, duration)       # end_frame is inclusive
            words.append((_VARIANT.sub("", seg.word), round(offset + start, 3), round(offset + end, 3)))
        text = " ".join(w for w, _, _ in words)
        if phrases is not None and text not in phrases:
            return "", ()
        return text, tuple(words)


_pool: dict[str, list[_Engine]] = {"open": [], "phrases": []}
_pool_lock = threading.Lock()


def _take(mode: str) -> _Engine:
    with _pool_lock:
        if _pool[mode]:
            return _pool[mode].pop()
    return _Engine(mode)


def _give_back(engine: _Engine) -> None:
    engine.forget_live()
    with _pool_lock:
        if len(_pool[engine.mode]) < _IDLE_DECODERS:
            _pool[engine.mode].append(engine)


@contextmanager
def _engine(mode: str):
    """A decoder for this thread alone; it returns to the pool only if its work ended cleanly."""
    engine = _take(mode)
    yield engine
    _give_back(engine)


def _to_pcm(samples: np.ndarray, rng: np.random.Generator) -> bytes:
    """float32 in [-1, 1] -> 16-bit PCM with one bit of triangular dither.

    Dither matters: exact zeros (a muted microphone, padding) have a log spectrum the acoustic model
    never heard, and open vocabulary heard "dog" in half a second of them and "i'm" in a second."""
    x = np.nan_to_num(np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0))
    if x.ndim != 1:
        raise ValueError(f"expected mono samples (one dimension), got shape {x.shape}")
    return np.clip(np.rint(x * 32767.0 + rng.triangular(-1.0, 0.0, 1.0, x.size)), -32768, 32767) \
        .astype("<i2").tobytes()


def _speech_span(pcm: bytes) -> tuple[int, int]:
    """The byte range of ``pcm`` that holds sound: leading and trailing 10 ms frames under
    config.SILENCE_DBFS, or _QUIET_DB under the loudest frame, are cut (but for small margins).

    Batch normalisation averages over the whole utterance, and silence drags the average: with a
    second of digital silence on each side, 68 of 90 espeak-ng phrases came back exact; cut, 85."""
    size = config.SAMPLE_RATE // 100
    x = np.frombuffer(pcm, dtype="<i2")[: len(pcm) // 2 // size * size].reshape(-1, size) / 32768.0
    rms = np.sqrt(np.mean(np.square(x), axis=1))
    floor = max(10 ** (config.SILENCE_DBFS / 20), rms.max(initial=0.0) * 10 ** (-_QUIET_DB / 20))
    loud = np.flatnonzero(rms > floor)
    if loud.size == 0:
        return 0, len(pcm)
    first = loud[0] * size - int(_MARGINS_S[0] * config.SAMPLE_RATE)
    last = (loud[-1] + 1) * size + int(_MARGINS_S[1] * config.SAMPLE_RATE)
    return 2 * max(0, first), min(len(pcm), 2 * last)


def parse_phrases(text) -> tuple[str, ...]:
    """The user's phrase list: one phrase per line, lower-cased, punctuation reduced to spaces,
    blank and repeated lines dropped. Every word must be in the pronunciation dictionary."""
    if isinstance(text, str) and len(text) > config.MAX_PHRASES_TEXT:
        raise InvalidInput(FIELD, "phrases_text_too_long", count=len(text), max=config.MAX_PHRASES_TEXT)
    text = short_text(text, FIELD, config.MAX_PHRASES_TEXT)      # its type and its characters
    phrases: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line.strip()) > config.MAX_PHRASE_CHARS:
            raise InvalidInput(FIELD, "phrase_too_long", line=number, count=len(line.strip()),
                               max=config.MAX_PHRASE_CHARS)
        words = (w.strip("'") for w in _WORD_CHARS.sub(" ", line.replace("’", "'").lower()).split())
        phrase = " ".join(w for w in words if w)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    if not phrases:
        raise InvalidInput(FIELD, "phrases_empty")
    if len(phrases) > config.MAX_PHRASES:
        raise InvalidInput(FIELD, "phrases_too_many", count=len(phrases), max=config.MAX_PHRASES)
    with _engine("phrases") as engine:
        unknown = list(dict.fromkeys(w for p in phrases for w in p.split()
                                     if engine.decoder.lookup_word(w) is None))
    if unknown:
        raise InvalidInput(FIELD, "phrase_unknown_words", count=len(unknown),
                           words=", ".join(f"'{w}'" for w in unknown[:_SHOWN_UNKNOWN]))
    return tuple(phrases)


def _recognize_pcm(engine: _Engine, pcm: bytes, phrases, offset: float) -> tuple[str, Words]:
    start, end = _speech_span(pcm)
    if start == end:                                 # pocketsphinx fails on an empty buffer
        return "", ()
    engine.decoder.start_utt()
    engine.decoder.process_raw(pcm[start:end], full_utt=True)       # batch: the clip's own mean
    engine.decoder.end_utt()
    rate = 2 * config.SAMPLE_RATE                    # bytes per second
    return engine.result(phrases, offset + start / rate, (end - start) / rate)


def recognize(samples: np.ndarray, phrases: tuple[str, ...] | None = None) -> SphinxResult:
    """Recognise ``samples`` (float32 mono at config.SAMPLE_RATE, in [-1, 1]) in one pass.

    ``phrases`` (from ``parse_phrases``) turns on phrase-list mode; None is open vocabulary.
    It runs in a worker process: pocketsphinx holds Python's GIL for a whole utterance (about a
    second for 5 s of speech in open vocabulary), which in the server's own process would freeze
    every other user's work, and the server itself, for as long."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if not USE_WORKER_PROCESSES:
        return recognize_here(samples, phrases)
    for attempt in (1, 2):
        try:
            return _workers().submit(recognize_here, samples, phrases).result()
        except BrokenProcessPool:           # a worker died (killed, out of memory): start afresh, once
            _reset_workers()
            if attempt == 2:
                raise


def load_here(phrases: tuple[str, ...] | None = None) -> None:
    """Build, in the calling process, the idle decoder that ``recognize_here`` will take for ``phrases``'
    mode (a process's first one loads pocketsphinx's model: about half a second)."""
    _give_back(_take("open" if phrases is None else "phrases"))


def recognize_here(samples: np.ndarray, phrases: tuple[str, ...] | None = None) -> SphinxResult:
    """``recognize`` in the calling process."""
    began = time.perf_counter()
    mode = "open" if phrases is None else "phrases"
    pcm = _to_pcm(samples, np.random.default_rng(0))
    with _engine(mode) as engine:
        engine.prepare(phrases)
        text, words = _recognize_pcm(engine, pcm, phrases, 0.0)
    return SphinxResult(text, words, mode, time.perf_counter() - began)


_processes: ProcessPoolExecutor | None = None
_processes_lock = threading.Lock()


def _workers() -> ProcessPoolExecutor:
    """config.cores() worker processes (started on first use, each with its own decoders)."""
    global _processes
    with _processes_lock:
        if _processes is None:
            _processes = ProcessPoolExecutor(max_workers=config.cores(), mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_leave_with_parent, initargs=(os.getpid(),))
        return _processes


def _leave_with_parent(parent: int) -> None:
    """In a worker: exit once the server that started it is gone (killed, say), instead of living on
    as an orphan with its decoders in memory."""
    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def warm_up() -> None:
    """Start a worker process (about 3 s: it imports the app's modules) before the first user needs it."""
    recognize(np.zeros(config.SAMPLE_RATE // 10, dtype=np.float32))


def _reset_workers() -> None:
    global _processes
    with _processes_lock:
        if _processes is not None:
            _processes.shutdown(wait=False, cancel_futures=True)
        _processes = None


class LiveDecoder:
    """Recognises a microphone stream fed in chunks; keep one per browser session.

    ``add`` returns the text so far (a partial hypothesis: it can change as more audio comes).
    An utterance holds at most config.LIVE_MAX_SECONDS of audio: a chunk that would go past it
    ends the utterance (its words are kept) and the rest of the audio starts a new one, so a long
    session reads as a sequence of utterances (with a phrase list: one phrase, or none, each).

    With a phrase list the audio is kept (16-bit, at most ~9.6 MB) and the final answer comes from
    a second pass over the utterance, as ``recognize`` gives it: the live pass must guess the
    cepstral mean as it goes. On 90 espeak-ng phrases with silence around them, the live pass ended
    on the right phrase 68 times, the second pass 86 times, for ~0.01 x real time. In open vocabulary
    a second pass would cost ~0.15 x the utterance, so the live pass's words stand.

    Its calls take turns (a stop can arrive while a chunk is being decoded); a chunk that comes
    after ``finish`` is dropped.
    """

    def __init__(self, phrases: tuple[str, ...] | None = None):
        self.phrases = phrases
        self.mode = "open" if phrases is None else "phrases"
        self._engine: _Engine | None = _take(self.mode)
        self._engine.prepare(phrases)
        self._rng = np.random.default_rng(0)
        self._text: list[str] = []                       # finished utterances
        self._words: list[tuple[str, float, float]] = []
        self._pcm: list[bytes] = []                      # this utterance's audio (phrase list only)
        self._start = 0                                  # bytes before this utterance
        self._size = 0                                   # bytes in this utterance
        self._busy = 0.0
        self._result: SphinxResult | None = None
        self._lock = threading.Lock()
        self._engine.decoder.start_utt()

    def add(self, samples: np.ndarray) -> str:
        """Feed a chunk (float32 mono at config.SAMPLE_RATE); returns the text so far."""
        with self._lock:
            if self._result is not None:
                return self._result.text
            began, pcm = time.perf_counter(), _to_pcm(samples, self._rng)
            limit = int(config.LIVE_MAX_SECONDS * config.SAMPLE_RATE) * 2       # bytes per utterance
            while pcm:
                if self._size >= limit:
                    self._end_utterance()
                    self._engine.decoder.start_utt()
                part, pcm = pcm[:limit - self._size], pcm[limit - self._size:]
                self._engine.decoder.process_raw(part, no_search=False, full_utt=False)
                self._size += len(part)
                if self.phrases is not None:
                    self._pcm.append(part)
            hyp = self._engine.decoder.hyp()
            self._busy += time.perf_counter() - began
            return " ".join([*self._text, *([hyp.hypstr] if hyp and hyp.hypstr else [])])

    def finish(self) -> SphinxResult:
        """End the stream: the final words with their times (seconds from the first chunk)."""
        with self._lock:
            if self._result is None:
                began = time.perf_counter()
                self._end_utterance()
                _give_back(self._engine)
                self._engine, self._busy = None, self._busy + time.perf_counter() - began
                self._result = SphinxResult(" ".join(self._text), tuple(self._words), self.mode, self._busy)
            return self._result

    def _end_utterance(self) -> None:
        engine, offset = self._engine, self._start / 2 / config.SAMPLE_RATE
        engine.decoder.end_utt()
        if self.phrases is not None:
            engine.forget_live()
            text, words = _recognize_pcm(engine, b"".join(self._pcm), self.phrases, offset)
        else:
            text, words = engine.result(None, offset, self._size / 2 / config.SAMPLE_RATE)
        if text:
            self._text.append(text)
            self._words.extend(words)
        self._start, self._size, self._pcm = self._start + self._size, 0, []
