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
weights, still go through transformers (core.lm).
"""

from __future__ import annotations

import torch

Cache = list  # per block: [keys, values], each (batch, heads, positions, head size)


def supported(model) -> bool:
    """Whether ``model`` is a transformers GPT-2 whose step this module can take."""
    cfg = model.config
    return getattr(cfg, "model_type", "") == "gpt2" and not cfg.reorder_and_upcast_attn and \
        not cfg.add_cross_attention


def cache_from(past) -> Cache:
    """The keys and values of transformers' DynamicCache, as a list this module grows."""
    return [[layer.keys, layer.values] for layer in past.layers]


def step(transformer, ids: torch.Tensor, cache: Cache) -> torch.Tensor:
    """The final hidden state (batch, width) after one new token per sequence (``ids``: batch × 1);
    appends the token's keys and values to ``cache``."""
    batch = ids.shape[0]
    position = torch.full((1, 1), cache[0][0].shape[2], dtype=torch.long, device=ids.device)
    hidden = transformer.wte(ids) + transformer.wpe(position)
    for block, layer in zip(transformer.h, cache):
        attn = block.attn
        heads, size = attn.num_heads, attn.head_dim
        query, key, value = attn.c_attn(block.ln_1(hidden)).split(attn.split_size, dim=2)
        query = query.view(batch, 1, heads, size).transpose(1, 2)
        layer[0] = torch.cat([layer[0], key.view(batch, 1, heads, size).transpose(1, 2)], dim=-2)
        layer[1] = torch.cat([layer[1], value.view(batch, 1, heads, size).transpose(1, 2)], dim=-2)
        weights = torch.softmax(torch.matmul(query, layer[0].transpose(-1, -2)) * attn.scaling, dim=-1)
        mixed = torch.matmul(weights, layer[1]).transpose(1, 2).reshape(batch, 1, heads * size).contiguous()
        hidden = attn.c_proj(mixed) + hidden
        hidden = hidden + block.mlp(block.ln_2(hidden))
    return transformer.ln_f(hidden)[:, -1, :]
