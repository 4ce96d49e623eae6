"""From a model's scores to its next token: the rules of the Generate tab, applied in this order.

1. ``penalize``: the repetition penalty divides the score of every token already in the
   text (multiplies it when negative), and the no-repeat n-gram rule forbids a token that
   would repeat an n-gram the text already has.
2. ``probabilities``: softmax of the scores divided by the temperature. These are the
   probabilities the page shows and records for every token.
3. ``survivors``: top-k keeps the k most likely tokens, then top-p keeps the most likely of
   those until their probability (renormalised after top-k) adds up to p.
4. ``choose``: greedy takes the highest score; sampling draws among the survivors, their
   probabilities renormalised, with the run's own seeded ``torch.Generator``.

The same order as transformers' ``generate``. These functions are copied verbatim into the
code the page shows, so that the code reproduces the page's text token for token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def penalize(scores, history, repetition_penalty, no_repeat_ngram_size):
    """``scores`` (vocab,) after the repetition penalty and the no-repeat n-gram ban; ``history`` holds the ids so far."""
    scores = scores.clone()
    if repetition_penalty != 1.0 and len(history) > 0:
        seen = torch.unique(history)
        old = scores[seen]
        scores[seen] = torch.where(old < 0, old * repetition_penalty, old / repetition_penalty)
    n = no_repeat_ngram_size
    if n > 0 and len(history) >= n:
        windows = history.unfold(0, n, 1)                       # every n-gram in the text
        tail = history[len(history) - n + 1:]                   # the last n-1 tokens
        repeats = (windows[:, : n - 1] == tail).all(dim=1)
        scores[windows[repeats, -1]] = float("-inf")
    return scores


def probabilities(scores, temperature):
    """Softmax of ``scores / temperature``: below 1 sharpens the distribution, above 1 flattens it."""
    return torch.softmax(scores / temperature, dim=-1)


def survivors(probs, top_k, top_p):
    """Which tokens top-k (0: off) and then top-p (1: off) keep; the most likely always survives."""
    keep = torch.ones_like(probs, dtype=torch.bool)
    if 0 < top_k < probs.numel():
        keep &= probs >= torch.topk(probs, top_k).values[-1]
    if top_p < 1.0:
        kept = torch.where(keep, probs, 0.0)
        kept = kept / kept.sum()
        order = torch.argsort(kept, descending=True, stable=True)
        more_likely = torch.cumsum(kept[order], dim=0) - kept[order]    # mass of the tokens ranked above
        keep[order[more_likely >= top_p]] = False
    return keep


def choose(scores, probs, keep, greedy, generator):
    """The next token id: the best score (greedy), or a draw among the survivors (sampling)."""
    if greedy:
        return int(torch.argmax(scores))
    weights = torch.where(keep, probs, 0.0)
    return int(torch.multinomial(weights / weights.sum(), 1, generator=generator))


@dataclass(frozen=True)
class Candidate:
    id: int
    prob: float             # after temperature, before any cut
    kept: bool              # survives top-k and top-p
    renormalized: float     # its probability among the survivors (0 when cut)


def candidates(probs, keep, count):
    """The ``count`` most likely tokens, most likely first, as ``Candidate``s (``keep`` None: nothing is cut)."""
    top = torch.topk(probs, min(count, probs.numel()))
    ids, values = top.indices.tolist(), top.values.tolist()
    if keep is None:
        return tuple(Candidate(i, p, True, p) for i, p in zip(ids, values))
    weights = torch.where(keep, probs, 0.0)
    shares = (weights[top.indices] / weights.sum()).tolist()
    return tuple(Candidate(i, p, k, r) for i, p, k, r in zip(ids, values, keep[top.indices].tolist(), shares))
