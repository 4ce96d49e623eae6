"""core.ctc and core.wav2vec2: greedy CTC, word times, and chunks that neither lose nor double a word."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core import config
from core.ctc import chunk_plan, collapse, emission_view, kept_frames, words_from_path
from core.wav2vec2 import words

TOKENS = ["<pad>", "|", "h", "e", "l", "o", "w", "r", "d"]      # 0 is the blank, 1 the word delimiter


def ids(spelled: str) -> np.ndarray:
    """'hh_ell_lo|' -> frame ids ('_' is the blank)."""
    return np.array([0 if c == "_" else TOKENS.index(c) for c in spelled])


def test_greedy_ctc_merges_repeats_and_drops_blanks():
    path = ids("hh_e_ll_lo|")
    assert "".join(TOKENS[t] for t, _, _ in collapse(path, 0)) == "hello|"
    assert [(t, a, b) for t, a, b in collapse(ids("__hh_"), 0)] == [(2, 2, 3)]


def test_words_get_the_times_of_their_first_and_last_frames():
    found = words_from_path(ids("_hh_e_ll_lo__|__wo_rr_ld_"), TOKENS, 0, "|", 0.02)
    assert [w.text for w in found] == ["hello", "world"]
    assert found[0].start == pytest.approx(0.02) and found[0].end == pytest.approx(0.22)
    assert found[1].start == pytest.approx(0.32) and found[1].end == pytest.approx(0.48)


def test_special_tokens_are_heard_but_never_written():
    tokens = TOKENS + ["<unk>"]
    path = np.array([2, 9, 3, 0, 4, 0, 4, 5])                       # h <unk> e _ l _ l o
    assert [w.text for w in words_from_path(path, tokens, 0, "|", 0.02, silent=frozenset({9}))] == ["hello"]


def test_the_emission_view_spells_the_path_and_collapses_it():
    path = ids("hh_e_ll_lo")
    logits = np.full((len(path), len(TOKENS)), -5.0)
    logits[np.arange(len(path)), path] = 5.0
    view = emission_view(logits, TOKENS, 0, "|", 0.02, seconds=1.0)
    assert view.spelled() == "h h _ e _ l l _ l o" and view.collapsed() == "hello"
    assert np.allclose(view.probs.sum(axis=1), 1) and view.labels[0] == "_" and view.labels[1] == "|"


@pytest.mark.parametrize("n", [1, 319, 320 * 100, 16000 * 47 + 123])
def test_chunks_cover_every_sample_once_and_keep_every_frame_once(n):
    plan = chunk_plan(n, 16000, 20.0, 2.0)
    assert plan[0].start == 0 and plan[-1].end == n
    assert all(a.end == b.start for a, b in zip(plan, plan[1:]))
    assert all(c.window_start <= c.start < c.end <= c.window_end for c in plan)
    hop = 320
    kept = sum(len(range(*kept_frames(c, (c.window_end - c.window_start) // hop, hop).indices(10**9))) for c in plan)
    assert abs(kept - n // hop) <= len(plan)


class FrameModel(torch.nn.Module):
    """A stand-in CTC model whose frame i says the token written in the audio at i·hop (no context),
    so chunked decoding must give exactly what one pass over the whole audio gives."""

    config = SimpleNamespace(conv_stride=(4, 5))    # 20 samples per frame

    def forward(self, values):
        token = values[0, ::20].round().long().clamp(0, len(TOKENS) - 1)
        return SimpleNamespace(logits=torch.nn.functional.one_hot(token, len(TOKENS)).float()[None] * 10)


def fake_wav2vec2():
    tokenizer = type("Tok", (), {"__len__": lambda self: len(TOKENS), "pad_token_id": 0, "word_delimiter_token": "|",
                                 "all_special_ids": [0, 1],
                                 "convert_ids_to_tokens": lambda self, ids: [TOKENS[i] for i in ids]})()
    processor = type("Proc", (), {"tokenizer": tokenizer, "__call__": lambda self, window, sampling_rate, return_tensors:
                                  SimpleNamespace(input_values=torch.tensor(window)[None])})()
    return SimpleNamespace(processor=processor, model=FrameModel(), device="cpu")


def test_words_at_chunk_edges_are_neither_lost_nor_doubled(monkeypatch):
    rng = np.random.default_rng(0)
    spoken = ["hello", "world", "hold", "owl", "red"]
    frames = []
    for i in range(400):                               # 400 words, 20 ms frames: many chunk edges fall mid-word
        word = spoken[i % len(spoken)]
        for letter, following in zip(word, word[1:] + " "):
            blanks = int(rng.integers(1 if following == letter else 0, 2))     # a blank keeps "ll" two letters
            frames += [TOKENS.index(letter)] * int(rng.integers(1, 4)) + [0] * blanks
        frames += [1] * int(rng.integers(1, 3))
    audio = np.repeat(np.array(frames, dtype=np.float32), 20)
    monkeypatch.setattr(config, "CHUNK_SECONDS", 0.37)
    monkeypatch.setattr(config, "CHUNK_OVERLAP_SECONDS", 0.05)
    heard = [w for _, found in words(fake_wav2vec2(), audio, {}) for w in found]
    assert [w.text for w in heard] == [spoken[i % len(spoken)] for i in range(400)]
    assert all(a.end <= b.start for a, b in zip(heard, heard[1:]))
