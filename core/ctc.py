"""wav2vec2's way from sound to letters: CTC, decoded greedily, with the time of every word.

The model hears the audio in frames (one every 20 ms for wav2vec2-base) and gives every
frame a score for every character of its alphabet, plus a *blank* that means "nothing new
here". Greedy CTC decoding takes the best character per frame, merges repeats and drops the
blanks: ``h h _ e l l _ l o`` becomes ``hello`` (the blank between the two l's keeps them
apart). The frame at which a character first appears is its time, so words get start and
end times for free.

Long audio is heard in chunks (config.CHUNK_SECONDS) that overlap their neighbours by
config.CHUNK_OVERLAP_SECONDS on each side: the model hears some context past each edge, and
only the frames of the chunk itself are kept, so every frame is decided once and a word at
an edge is neither lost nor doubled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    start: int          # the samples this chunk decides: [start, end)
    end: int
    window_start: int   # the samples the model hears: [window_start, window_end), with context
    window_end: int


def chunk_plan(n_samples: int, sample_rate: int, chunk_s: float, overlap_s: float) -> list[Chunk]:
    """Consecutive chunks covering every sample once, each heard with ``overlap_s`` of context on each side."""
    size, margin = max(1, int(chunk_s * sample_rate)), int(overlap_s * sample_rate)
    return [Chunk(start, min(start + size, n_samples), max(0, start - margin),
                  min(n_samples, start + size + margin))
            for start in range(0, n_samples, size)]


def kept_frames(chunk: Chunk, n_frames: int, hop: int) -> slice:
    """Which of the ``n_frames`` the model gave for ``chunk``'s window belong to the chunk itself:
    frame i covers the samples from window_start + i·hop."""
    first = round((chunk.start - chunk.window_start) / hop)
    last = round((chunk.end - chunk.window_start) / hop)
    return slice(max(0, first), min(n_frames, last))


@dataclass(frozen=True)
class Word:
    text: str
    start: float        # seconds
    end: float


def collapse(path: np.ndarray, blank: int) -> list[tuple[int, int, int]]:
    """Greedy CTC: (token, first frame, last frame) for each run of the same token that is not blank."""
    runs = []
    previous = None
    for frame, token in enumerate(path.tolist()):
        if token != previous:
            if token != blank:
                runs.append([token, frame, frame])
            previous = token
        elif token != blank and runs:
            runs[-1][2] = frame
    return [tuple(r) for r in runs]


def words_from_path(path: np.ndarray, tokens: list[str], blank: int, delimiter: str, frame_s: float,
                    silent: frozenset[int] = frozenset()) -> list[Word]:
    """Words with their times from the best token of each frame (``tokens[i]`` is token i's text);
    ``silent`` tokens (like <unk> or <s>) are heard but never written."""
    words, letters, start, end = [], [], 0.0, 0.0
    for token, first, last in collapse(path, blank):
        if token in silent:
            continue
        piece = tokens[token]
        if piece == delimiter or piece.isspace():
            if letters:
                words.append(Word("".join(letters), start, end))
                letters = []
            continue
        if not letters:
            start = first * frame_s
        letters.append(piece)
        end = (last + 1) * frame_s
    if letters:
        words.append(Word("".join(letters), start, end))
    return words


@dataclass(frozen=True)
class EmissionView:
    """The first seconds of a CTC emission: what the teaching view draws."""

    labels: tuple[str, ...]     # the alphabet as shown: the blank is "_", the word delimiter "|"
    probs: np.ndarray           # frames × labels, each row sums to 1
    path: np.ndarray            # the best label of each frame
    frame_s: float              # seconds per frame

    def spelled(self) -> str:
        """The best path frame by frame, like ``h h _ e l l _ l o``."""
        return " ".join(self.labels[i] for i in self.path.tolist())

    def collapsed(self) -> str:
        """What greedy CTC makes of it: repeats merged, blanks dropped, "|" between words."""
        blank = self.labels.index("_")
        return "".join(self.labels[t] for t, _, _ in collapse(self.path, blank)).replace("|", " ").strip()


def emission_view(logits: np.ndarray, tokens: list[str], blank: int, delimiter: str, frame_s: float,
                  seconds: float) -> EmissionView:
    """The per-frame probabilities of the first ``seconds`` of ``logits`` (frames × vocabulary)."""
    frames = logits[: max(1, int(round(seconds / frame_s)))].astype(np.float64)
    frames = np.exp(frames - frames.max(axis=1, keepdims=True))
    probs = frames / frames.sum(axis=1, keepdims=True)
    labels = tuple("_" if i == blank else ("|" if t == delimiter else t) for i, t in enumerate(tokens))
    return EmissionView(labels, probs.astype(np.float32), probs.argmax(axis=1), frame_s)
