"""The wav2vec2 engine: a CTC model heard chunk by chunk (core.ctc), words with their times."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from core import config
from core.ctc import Word, chunk_plan, emission_view, kept_frames, words_from_path


def frame_hop(model) -> int:
    """Samples per output frame: the product of the feature encoder's strides (320 for wav2vec2-base)."""
    return int(np.prod(model.config.conv_stride))


def alphabet(processor) -> tuple[list[str], int, str, frozenset[int]]:
    """(text of every token id, the blank id, the word delimiter, the ids never written: <s>, <unk>...)."""
    tokenizer = processor.tokenizer
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    delimiter = tokenizer.word_delimiter_token
    silent = frozenset(i for i in tokenizer.all_special_ids if tokens[i] != delimiter and i != tokenizer.pad_token_id)
    return [t or "" for t in tokens], tokenizer.pad_token_id, delimiter, silent


@torch.inference_mode()
def frame_logits(loaded, window: np.ndarray) -> np.ndarray:
    """The model's scores (frames × vocabulary) for one window of 16 kHz audio."""
    features = loaded.processor(window, sampling_rate=config.SAMPLE_RATE, return_tensors="pt").input_values
    return loaded.model(features.to(loaded.device)).logits[0].float().cpu().numpy()


def words(loaded, samples: np.ndarray, extra: dict) -> Iterator[tuple[float, list]]:
    """Yield (seconds heard, the words finished since the last yield) chunk by chunk; the first
    seconds' CTC emission goes into ``extra["emission"]``. A word that may go on into the next
    chunk is held back until that chunk is heard, so none is cut in two."""
    tokens, blank, delimiter, silent = alphabet(loaded.processor)
    hop = frame_hop(loaded.model)
    frame_s = hop / config.SAMPLE_RATE
    plan = chunk_plan(len(samples), config.SAMPLE_RATE, config.CHUNK_SECONDS, config.CHUNK_OVERLAP_SECONDS)
    path = np.zeros(0, dtype=np.int64)
    emitted = 0
    for i, chunk in enumerate(plan):
        logits = frame_logits(loaded, samples[chunk.window_start: chunk.window_end])
        if i == 0:
            extra["emission"] = emission_view(logits, tokens, blank, delimiter, frame_s, config.CTC_VIEW_SECONDS)
        path = np.concatenate([path, logits[kept_frames(chunk, len(logits), hop)].argmax(axis=1)])
        found = words_from_path(path, tokens, blank, delimiter, frame_s, silent)
        last = i == len(plan) - 1
        ready = found if last else found[:-1]
        yield chunk.end / config.SAMPLE_RATE, [Word(w.text.lower(), w.start, w.end) for w in ready[emitted:]]
        emitted = max(emitted, len(ready))
