"""What the decode loop needs from a language model, and its implementation for transformers' GPT-2.

A model is anything with a ``step``: token ids for a batch of sequences go in (shape
batch × new tokens) with the cache of what came before; out come each sequence's
scores for its next token, the grown cache and, when asked, every layer's attention
weights. ``HFCausalLM`` wraps a transformers causal LM (GPT-2, DistilGPT2, the Chinese
GPT-2); ``core.tinygpt.TinyCausalLM`` implements the same attributes and method for a
model trained in the page, so every view of the Generate tab works with both. ``resolve``
gives either kind as the same ``TextModel``.

``TextCodec`` turns text into ids and back for both kinds of vocabulary DL Lab meets:
GPT-2's byte-level BPE (a Chinese character is usually two or three byte tokens, so a
stream must hold back incomplete characters) and the BERT character vocabulary of
uer/gpt2-chinese-cluecorpussmall (one token per character, [CLS] before the text, [SEP]
at the end of a sentence, and a decoder that puts a space between every two tokens).
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any, Protocol

import torch

from core import config, gpt2

# A decoding step multiplies one hidden vector by the output matrix (vocabulary × width: 154 MB
# for GPT-2, a third of all the weights it reads). Stored as nn.Linear keeps it, PyTorch's CPU
# kernel reads it at about 17 GB/s here; the same product against the matrix stored transposed
# (width × vocabulary) runs at about 27 GB/s: 9.2 against 5.6 ms a token. GPT-2's decoder keeps
# such a copy of its output matrix when the matrix is big enough for it to matter.
TRANSPOSED_HEAD_MIN_BYTES = 16 * 1024 * 1024
_heads: "weakref.WeakKeyDictionary[torch.nn.Module, torch.Tensor | None]" = weakref.WeakKeyDictionary()
_heads_lock = threading.Lock()


def transposed_head(model) -> torch.Tensor | None:
    """GPT-2's output matrix as a contiguous (width × vocabulary) copy, made once per model; None when
    the model is not a GPT-2, its head is quantized or has a bias, or the matrix is small."""
    with _heads_lock:
        if model in _heads:
            return _heads[model]
        head = model.get_output_embeddings()
        weight = getattr(head, "weight", None)
        usable = (getattr(model.config, "model_type", "") == "gpt2" and type(head) is torch.nn.Linear
                  and head.bias is None and isinstance(weight, torch.Tensor)
                  and weight.numel() * weight.element_size() >= TRANSPOSED_HEAD_MIN_BYTES)
        _heads[model] = weight.detach().t().contiguous() if usable else None
        return _heads[model]


@dataclass(frozen=True)
class Step:
    logits: torch.Tensor                            # (batch, vocab) float32 scores of the next token
    cache: Any                                      # hand back unchanged with the next step
    attentions: tuple[torch.Tensor, ...] | None     # per layer: (batch, heads, new tokens, all tokens)


class CausalLM(Protocol):
    vocab_size: int
    context: int        # the most positions the model can attend over
    n_layer: int
    n_head: int

    def step(self, ids: torch.Tensor, cache: Any = None, attentions: bool = False) -> Step: ...

    # A model that can decode several sequences of different lengths in one step (core.batching) says
    # ``batchable = True`` and takes, with one new token per sequence over a cache padded on the left,
    # ``positions`` (batch × 1: each token's position in its own sequence) and ``mask`` (batch × all
    # tokens: True where a sequence has a real token). Its cache is one [keys, values] per layer,
    # each (batch, heads, tokens, head size), which the batcher pads, joins and cuts.


class HFCausalLM:
    """A transformers causal LM (eager attention, so it can return its attention weights)."""

    def __init__(self, model):
        cfg = model.config
        self.model = model
        self.vocab_size = int(cfg.vocab_size)
        self.context = int(getattr(cfg, "n_positions", None) or cfg.max_position_embeddings)
        self.n_layer = int(cfg.num_hidden_layers)
        self.n_head = int(cfg.num_attention_heads)
        self.device = next(model.parameters()).device
        self.gpt2 = gpt2.supported(model)
        self.head = transposed_head(model)
        self.batchable = self.gpt2      # other architectures decode one sequence per step

    def step(self, ids: torch.Tensor, cache: Any = None, attentions: bool = False,
             positions: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> Step:
        ids = ids.to(self.device)
        if not self.gpt2:
            out = self.model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1,
                             output_attentions=attentions)
            return Step(out.logits[:, -1, :].float(), out.past_key_values, out.attentions if attentions else None)
        if cache is not None and ids.shape[1] == 1 and not attentions:      # one new token: core.gpt2's step
            if positions is not None:
                positions, mask = positions.to(self.device), mask.to(self.device)
            hidden, found = gpt2.step(self.model.transformer, ids, cache, positions, mask), None
        else:                                                              # the prompt, or attention asked for
            if cache is not None:
                raise ValueError("a GPT-2 step over a cache takes one new token per sequence, without attentions")
            out = self.model.transformer(input_ids=ids, past_key_values=cache, use_cache=True,
                                         output_attentions=attentions)
            hidden, cache = out.last_hidden_state[:, -1, :], gpt2.cache_from(out.past_key_values)
            found = out.attentions if attentions else None
        logits = hidden @ self.head if self.head is not None else self.model.lm_head(hidden)
        return Step(logits.float(), cache, found)

    def all_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """(batch, tokens, vocab) scores after every position: teacher forcing, no cache."""
        return self.model(input_ids=ids.to(self.device), use_cache=False).logits.float()

    def beam_search(self, ids: list[int], num_beams: int, max_new_tokens: int, repetition_penalty: float,
                    no_repeat_ngram_size: int, eos: list[int], pad: int,
                    should_stop=lambda: False) -> list[int]:
        """The new token ids of the best of ``num_beams`` beams (transformers' beam search), ending
        early, with the best beam so far, once ``should_stop()`` says so."""
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), bool(should_stop()), dtype=torch.bool,
                                  device=input_ids.device)

        prompt = torch.tensor([ids], device=self.device)
        out = self.model.generate(prompt, attention_mask=torch.ones_like(prompt), num_beams=num_beams,
                                  do_sample=False, max_new_tokens=max_new_tokens, early_stopping=True,
                                  repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size,
                                  eos_token_id=eos or None, pad_token_id=pad, bos_token_id=None,
                                  stopping_criteria=StoppingCriteriaList([Stop()]))
        return out[0, len(ids):].tolist()


@functools.lru_cache(maxsize=1)
def _byte_of_char() -> dict[str, int]:
    """GPT-2's byte-level alphabet: the printable character that stands for each of the 256 bytes."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_wordpieces(tokens: list[str]) -> str:
    """Text from BERT-style tokens: characters joined without the spaces BERT's decoder adds,
    '##' pieces glued to their word, a space kept only between two Latin words or numbers."""
    text = ""
    for token in tokens:
        if not token:
            continue
        if token.startswith("##"):
            text += token[2:]
        elif text and _is_word_char(text[-1]) and _is_word_char(token[0]):
            text += " " + token
        else:
            text += token
    return text


class TextCodec:
    """Prompt text to token ids, ids to text and to a display form of each token."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        backend = getattr(tokenizer, "backend_tokenizer", None)
        wordpiece = backend is not None and type(backend.model).__name__ == "WordPiece"
        self.family = "char" if wordpiece or (tokenizer.cls_token and not tokenizer.eos_token) else "bpe"
        specials = [i for i in tokenizer.all_special_ids if i is not None]
        self.special = frozenset(specials)
        if self.family == "char":
            # The model was trained on "[CLS] text [SEP]": [CLS] opens the prompt, [SEP] ends the text.
            # Its config keeps GPT-2's ids (50256), which its vocabulary does not have: they are not used.
            self.prefix = [tokenizer.cls_token_id]
            self.eos = [tokenizer.sep_token_id]
            self.pad = tokenizer.pad_token_id
        else:
            self.prefix = []
            self.eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
            self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (self.eos or [0])[0]

    def encode(self, text: str) -> list[int]:
        """A prompt's ids (after [CLS] for the character vocabulary)."""
        return self.prefix + self.continue_with(text)

    def continue_with(self, text: str) -> list[int]:
        """The ids of ``text`` that follows a prompt (no [CLS])."""
        return self.tokenizer(text, add_special_tokens=False)["input_ids"] if text else []

    def decode(self, ids: list[int]) -> str:
        ids = [i for i in ids if i not in self.special]
        if self.family == "char":
            return join_wordpieces([t or "" for t in self.tokenizer.convert_ids_to_tokens(ids)])
        return self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def piece(self, token_id: int) -> str:
        """One token as a student should see it: its text, or its bytes when it is part of a character."""
        if self.family == "char" or token_id in self.special:
            return self.tokenizer.convert_ids_to_tokens(token_id) or f"<{token_id}>"
        text = self.tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
        if "\ufffd" not in text:
            return text
        raw = self.tokenizer.convert_ids_to_tokens(token_id) or ""
        table = _byte_of_char()
        if all(ch in table for ch in raw):
            return "<" + " ".join(f"{table[ch]:02x}" for ch in raw) + ">"
        return text

    def stream(self) -> "TextStream":
        return TextStream(self)


class TextStream:
    """Text of a growing list of ids, released only in complete characters."""

    def __init__(self, codec: TextCodec):
        self.codec = codec
        self.ids: list[int] = []
        self.text = ""                  # released so far

    def add(self, token_id: int) -> str:
        """Append a token; returns the newly complete text (often '' in the middle of a character)."""
        self.ids.append(token_id)
        full = self.codec.decode(self.ids)
        if full.endswith("\ufffd") or not full.startswith(self.text):
            return ""
        delta, self.text = full[len(self.text):], full
        return delta

    def finish(self) -> str:
        """Whatever is left (a character cut off by Stop or the token limit shows as �)."""
        full = self.codec.decode(self.ids)
        delta = full[len(self.text):] if full.startswith(self.text) else ""
        self.text = full
        return delta


SESSION_SOURCE = "trained in this session"


@dataclass(frozen=True)
class TextModel:
    """A loaded language model with its codec and where it came from (``source``: SESSION_SOURCE for a
    model trained in this session)."""

    lm: Any                 # a CausalLM
    codec: TextCodec
    name: str
    source: str
    device: str
    precision: str


def text_model(name: str, precision: str = "fp32", download: bool = True) -> TextModel:
    """The shared instance of model ``name`` at ``precision`` (loaded on first use; see core.models)."""
    from core import models

    loaded = models.load("text", name, precision=precision, download=download)
    return TextModel(HFCausalLM(loaded.model), TextCodec(loaded.processor), loaded.name, loaded.source,
                     str(loaded.device), precision)


# A model trained in this session, at int8: its dynamically quantized copy, made once per model and
# dropped with it (the session's registry holds the model; nothing here keeps it alive).
_int8_copies: "weakref.WeakKeyDictionary[torch.nn.Module, torch.nn.Module]" = weakref.WeakKeyDictionary()
_int8_lock = threading.Lock()


def _trained_text_model(entry, precision: str) -> TextModel:
    """``entry`` (a core.pretrain.TrainedLM) as the decode loop drives it; int8 quantizes a copy of its
    linear layers, as core.models does for GPT-2, and leaves the session's model as it was."""
    loaded = entry.text_model()
    if precision != "int8":
        return loaded
    from core.quantize import int8_dynamic
    from core.tinygpt import TinyCausalLM

    with _int8_lock:
        if entry.model not in _int8_copies:
            _int8_copies[entry.model] = int8_dynamic(entry.model, convert_conv1d=False)
        quantized = _int8_copies[entry.model]
    return replace(loaded, lm=TinyCausalLM(quantized), device="cpu", precision="int8")


def resolve(name: str, precision: str = "fp32", download: bool = True, registry=None) -> TextModel:
    """The model a checked name (core.generate.check_model) stands for: an allowlisted one, loaded
    through core.models, or a model trained in this session, from ``registry`` (the session's
    core.pretrain.LMRegistry). Both come back as the same TextModel, for the same decode loop."""
    if registry is not None and name not in config.text_models():
        return _trained_text_model(registry.get(name), precision)
    return text_model(name, precision, download)
