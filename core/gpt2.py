"""One GPT-2 decoding step, written out over the weights of transformers' GPT-2.

Reading it top to bottom is reading what GPT-2 does for each new token: look up the token
and its position, then in every block normalise, project to query, key and value, attend
over all earlier keys (kept in the cache), project back and add; normalise, widen four
times through GELU, narrow back and add; finally normalise once more.

transformers' ``GPT2Model.forward`` covers every case (padding, cross-attention, gradient
checkpointing, captured outputs); one decoding step needs a small part of it, and the rest
costs about 1.5 ms of Python per token, 5 % of a step on two cores. This is that part, the
same operations in the same order as transformers' eager attention, so the scores agree
bit for bit (a test checks it). The prompt itself, and any step that must return attention
weights, still go through transformers (core.lm). Two things differ from transformers' cache:
sequences of a batch may be padded on the left (``positions`` and ``mask``, for core.batching),
and each new key and value is written into room kept after the cache's end instead of
copying the whole cache at every token (at batch 8 over 400 tokens that copy took 17 % of
the time).
"""

from __future__ import annotations

import torch

Cache = list  # per block: [keys, values], each (batch, heads, positions, head size), then the room they grow in
ROOM = 64     # positions a cache grows by at once


def supported(model) -> bool:
    """Whether ``model`` is a transformers GPT-2 whose step this module can take."""
    cfg = model.config
    return getattr(cfg, "model_type", "") == "gpt2" and not cfg.reorder_and_upcast_attn and \
        not cfg.add_cross_attention


def cache_from(past) -> Cache:
    """The keys and values of transformers' DynamicCache, as a list this module grows."""
    return [[layer.keys, layer.values] for layer in past.layers]


def step(transformer, ids: torch.Tensor, cache: Cache, positions: torch.Tensor | None = None,
         mask: torch.Tensor | None = None) -> torch.Tensor:
    """The final hidden state (batch, width) after one new token per sequence (``ids``: batch × 1);
    appends the token's keys and values to ``cache``. Sequences of a batch that started at different
    times (core.batching) are padded on the left: ``positions`` (batch × 1) then gives each new
    token's position in its own sequence, and ``mask`` (batch × all tokens, True where a sequence has
    a real token, the new one included) keeps every sequence's attention off its padding."""
    batch = ids.shape[0]
    if positions is None:
        positions = torch.full((1, 1), cache[0][0].shape[2], dtype=torch.long, device=ids.device)
    hidden = transformer.wte(ids) + transformer.wpe(positions)
    bias = None
    if mask is not None:        # -inf on padding: softmax gives it no weight (every row has its own token)
        bias = torch.zeros(mask.shape, dtype=hidden.dtype, device=hidden.device).masked_fill_(~mask, float("-inf"))
        bias = bias[:, None, None, :]
    for block, layer in zip(transformer.h, cache):
        attn = block.attn
        heads, size = attn.num_heads, attn.head_dim
        query, key, value = attn.c_attn(block.ln_1(hidden)).split(attn.split_size, dim=2)
        query = query.view(batch, 1, heads, size).transpose(1, 2)
        _append(layer, 0, key.view(batch, 1, heads, size).transpose(1, 2))
        _append(layer, 1, value.view(batch, 1, heads, size).transpose(1, 2))
        scores = torch.matmul(query, layer[0].transpose(-1, -2)) * attn.scaling
        weights = torch.softmax(scores if bias is None else scores + bias, dim=-1)
        mixed = torch.matmul(weights, layer[1]).transpose(1, 2).reshape(batch, 1, heads * size).contiguous()
        hidden = attn.c_proj(mixed) + hidden
        hidden = hidden + block.mlp(block.ln_2(hidden))
    return transformer.ln_f(hidden)[:, -1, :]


def _append(layer: list, i: int, new: torch.Tensor) -> None:
    """``layer[i]`` (batch, heads, positions, size) followed by ``new`` (one position). It is written into
    room kept after the cache's end (``layer[i + 2]``, ROOM positions more at a time) rather than copying
    the whole cache into a new tensor at every token, as ``torch.cat`` would."""
    old = layer[i]
    positions = old.shape[2]
    room = layer[i + 2] if len(layer) > i + 2 else None
    if room is None or room.shape[2] <= positions or room.shape[:2] != old.shape[:2] or \
            room.data_ptr() != old.data_ptr():
        room = old.new_empty(old.shape[0], old.shape[1], positions + ROOM, old.shape[3])
        room[:, :, :positions] = old
        layer[i + 2:i + 3] = [room]
    room[:, :, positions] = new[:, :, 0]
    layer[i] = room[:, :, :positions + 1]
