"""A tiny GPT, written out so that it can be read top to bottom (in the spirit of nanoGPT).

A decoder-only transformer: each token id becomes a vector (token embedding) plus a vector for
its position (learned position embedding); ``n_layer`` blocks each let every position look at
the positions before it (causal self-attention) and then think on its own (an MLP), each with a
LayerNorm before it and a residual connection around it; a last LayerNorm, and the output head
turns each vector into one score per token of the vocabulary. The head shares its weights with
the token embedding (weight tying): reading a token and writing it use the same vectors.

Randomness comes only from the generators passed in: the initial weights from
``init_generator``, the dropout masks from ``dropout_generator`` (``SeededDropout``), so the same
seed trains the same model whoever else is training.

``TinyCausalLM`` is the model as the Generate tab's decode loop drives it (``core.lm.CausalLM``):
ids and a key/value cache in, next-token scores, the grown cache and attention weights out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F

from core.architectures import SeededDropout, count_parameters
from core.errors import InvalidInput, ResourceLimit
from core.lm import Step
from core.sampling import penalize


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    block_size: int = 32        # the context: the most tokens the model reads at once
    dropout: float = 0.0

    def __post_init__(self):
        if self.n_head < 1 or self.n_embd % self.n_head:
            raise InvalidInput("Heads", "pretrain_heads_width", width=self.n_embd, heads=self.n_head)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> "GPTConfig":
        """A config from ``to_dict``'s output (read back from an export): exactly its fields, whole numbers
        where they belong. Sizes are not bounded here: the loader checks them against core.config."""
        names = [f.name for f in fields(cls)]
        if not isinstance(data, dict) or sorted(data) != sorted(names):
            raise InvalidInput("Model config", "pretrain_config_bad", fields=", ".join(names))
        for name in names:
            value = data[name]
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not (0 <= value < 1 if name == "dropout" else isinstance(value, int) and value >= 1):
                raise InvalidInput("Model config", "pretrain_config_bad", fields=", ".join(names))
        return cls(**data)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig, dropout_generator: torch.Generator):
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)       # queries, keys and values of all heads at once
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.attn_drop = SeededDropout(cfg.dropout, dropout_generator)
        self.resid_drop = SeededDropout(cfg.dropout, dropout_generator)
        # mask[i, j]: position i may look at position j (j <= i). Not a weight: kept out of the state dict.
        mask = torch.ones(cfg.block_size, cfg.block_size, dtype=torch.bool).tril()
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x, past=None, keep=None):
        """``x`` (batch, new tokens, width) after ``past`` = (keys, values) of the earlier tokens, or None;
        ``keep`` (batch, all tokens), when given, is False on a batched sequence's padding. Returns the
        output, the keys and values of all tokens so far, and the attention weights (batch, heads, new
        tokens, all tokens)."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        S = k.shape[2]                                          # all tokens: the earlier ones and the new
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(~self.mask[S - T:S, :S], float("-inf"))     # no peeking at the future
        if keep is not None:                                    # nor at another sequence's padding
            scores = scores.masked_fill(~keep[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        y = (self.attn_drop(weights) @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_drop(self.proj(y)), (k, v), weights


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig, dropout_generator: torch.Generator):
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        self.drop = SeededDropout(cfg.dropout, dropout_generator)

    def forward(self, x):
        return self.drop(self.proj(F.gelu(self.fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig, dropout_generator: torch.Generator):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg, dropout_generator)
        self.ln_2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg, dropout_generator)

    def forward(self, x, past=None, keep=None):
        attended, kv, weights = self.attn(self.ln_1(x), past, keep)
        x = x + attended
        x = x + self.mlp(self.ln_2(x))
        return x, kv, weights


class TinyGPT(nn.Module):
    def __init__(self, cfg: GPTConfig, init_generator: torch.Generator | None = None,
                 dropout_generator: torch.Generator | None = None):
        super().__init__()
        self.config = cfg
        dropout_generator = dropout_generator if dropout_generator is not None else torch.Generator()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)         # token embedding
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)         # position embedding
        self.drop = SeededDropout(cfg.dropout, dropout_generator)
        self.blocks = nn.ModuleList(Block(cfg, dropout_generator) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.wte.weight                          # weight tying: one matrix, two uses
        self.init_weights(init_generator if init_generator is not None else torch.Generator().manual_seed(0))

    @torch.no_grad()
    def init_weights(self, generator: torch.Generator) -> None:
        """GPT-2's scheme: normal(0, 0.02) weights, zero biases, and the layers that add into the residual
        stream scaled down by sqrt(2 · layers) so that the stream does not grow with depth."""
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name or name.startswith("ln_"):
                nn.init.ones_(p)
            else:
                std = 0.02 / math.sqrt(2 * self.config.n_layer) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std, generator=generator)

    def parameters_count(self) -> int:
        return count_parameters(self)       # the tied matrix counts once

    def hidden(self, idx, cache=None, positions=None, mask=None):
        """The last LayerNorm's output for ``idx`` (batch, new tokens) read after ``cache`` (None, or what
        an earlier call returned); also the grown cache and each layer's attention weights. Sequences
        padded on the left (core.batching) give each token's own ``positions`` (batch, new tokens) and
        the ``mask`` (batch, all tokens) that is False on their padding."""
        past = 0 if cache is None else cache[0][0].shape[2]
        T = idx.shape[1]
        if past + T > self.config.block_size:
            raise ResourceLimit("pretrain_context_exceeded", context=self.config.block_size, count=past + T)
        if positions is None:
            positions = torch.arange(past, past + T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(positions))
        new_cache, attentions = [], []
        for i, block in enumerate(self.blocks):
            x, kv, weights = block(x, None if cache is None else cache[i], mask)
            new_cache.append(kv)
            attentions.append(weights)
        return self.ln_f(x), tuple(new_cache), tuple(attentions)

    def forward(self, idx, targets=None):
        """Scores (batch, tokens, vocab) for the token after every position, and the mean cross-entropy
        against ``targets`` (batch, tokens) when given; a target of -1 is not scored."""
        logits = self.head(self.hidden(idx)[0])
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 0.0,
                 generator: torch.Generator | None = None):
        """``idx`` (batch, tokens) followed by ``max_new_tokens`` more: the likeliest each time when
        ``temperature`` is 0, else drawn from softmax(scores / temperature) with ``generator``.
        The whole context is read again at every step (no cache): short and plain, for samples
        and answers of a few tokens. Keeps only the last ``block_size`` tokens in view."""
        was_training = self.training
        self.eval()                     # no dropout while writing
        try:
            for _ in range(max_new_tokens):
                logits = self(idx[:, -self.config.block_size:])[0][:, -1, :]
                if temperature == 0:
                    token = logits.argmax(dim=-1, keepdim=True)
                else:
                    probs = torch.softmax(logits.float().cpu() / temperature, dim=-1)
                    token = torch.multinomial(probs, 1, generator=generator).to(idx.device)
                idx = torch.cat([idx, token], dim=1)
        finally:
            self.train(was_training)
        return idx


class TinyCausalLM:
    """A ``TinyGPT`` as the Generate tab drives it (``core.lm.CausalLM``). Puts the model in eval mode.

    The cache is one (keys, values) pair per layer; it can grow to ``context`` tokens. A tiny model's
    context is short (32 characters by default), so ``sliding``: once text and prompt fill it,
    core.generate re-reads the most recent ``context`` tokens and writes on, as TinyGPT.generate does."""

    sliding = True
    batchable = True        # core.batching decodes several sequences in one step

    def __init__(self, model: TinyGPT):
        cfg = model.config
        self.model = model.eval()
        self.vocab_size, self.context = cfg.vocab_size, cfg.block_size
        self.n_layer, self.n_head = cfg.n_layer, cfg.n_head
        self.device = next(model.parameters()).device

    @torch.no_grad()
    def step(self, ids: torch.Tensor, cache=None, attentions: bool = False, positions=None, mask=None) -> Step:
        if positions is not None:
            positions, mask = positions.to(self.device), mask.to(self.device)
        hidden, cache, weights = self.model.hidden(ids.to(self.device), cache, positions, mask)
        return Step(self.model.head(hidden[:, -1, :]).float(), cache, weights if attentions else None)

    @torch.no_grad()
    def all_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """(batch, tokens, vocab) scores after every position: teacher forcing, no cache."""
        return self.model(ids.to(self.device))[0].float()

    @torch.no_grad()
    def beam_search(self, ids: list[int], num_beams: int, max_new_tokens: int, repetition_penalty: float,
                    no_repeat_ngram_size: int, eos: list[int], pad: int,
                    should_stop=lambda: False) -> list[int]:
        """The new token ids of the best of ``num_beams`` beams. Each step every beam is extended by every
        token, scored by its total log-probability (after the repetition rules, as in transformers), and
        the ``num_beams`` best extensions go on; a beam that writes an end token is finished. The best
        finished or running beam, by log-probability per new token, wins (``pad`` is not needed: beams
        are kept apart, never padded)."""
        if len(ids) + max_new_tokens > self.context:
            raise ResourceLimit("pretrain_context_exceeded", context=self.context, count=len(ids) + max_new_tokens)
        history = torch.tensor([ids])                               # (beams, tokens so far)
        totals = torch.zeros(1)                                     # each beam's summed log-probability
        step = self.step(history)
        finished: list[tuple[float, list[int]]] = []
        for t in range(max_new_tokens):
            logp = torch.log_softmax(step.logits.cpu(), dim=-1)
            logp = torch.stack([penalize(row, h, repetition_penalty, no_repeat_ngram_size)
                                for row, h in zip(logp, history)])
            candidates = (totals[:, None] + logp).view(-1)
            order = candidates.argsort(descending=True)[: 2 * num_beams]
            keep = []
            for flat in order.tolist():
                score = float(candidates[flat])
                if not math.isfinite(score):
                    break
                beam, token = divmod(flat, self.vocab_size)
                if token in eos:
                    finished.append((score / (t + 1), history[beam, len(ids):].tolist() + [token]))
                else:
                    keep.append((beam, token, score))
                if len(keep) == num_beams:
                    break
            if len(finished) >= num_beams or not keep or t == max_new_tokens - 1 or should_stop():
                break
            beams = torch.tensor([b for b, _, _ in keep])
            tokens = torch.tensor([[tok] for _, tok, _ in keep])
            history = torch.cat([history[beams], tokens], dim=1)
            totals = torch.tensor([s for _, _, s in keep])
            cache = tuple((k[beams.to(k.device)], v[beams.to(v.device)]) for k, v in step.cache)
            step = self.step(tokens, cache)
        running = [(s / (t + 1), history[b, len(ids):].tolist() + [tok]) for b, tok, s in keep]
        best = max(finished + running, key=lambda hyp: hyp[0], default=(0.0, []))
        return best[1]
