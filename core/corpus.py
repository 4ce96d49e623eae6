"""What a tiny GPT reads: characters as token ids, the arithmetic corpus, a student's own text,
and the batches of a training run.

The vocabulary is character-level: every character is one token (a Chinese character too),
and id 0, ``<unk>``, stands for any character the vocabulary lacks (a fine-tuning text may
use characters its base model never saw).

The arithmetic corpus, in one sentence: each line is a problem like 37+48=580, both numbers
with the same number of digits (07 for 7) and the answer written backwards, ones digit first,
padded with zeros to one digit more (85 becomes 580), because that is the order in which the
carries are worked out, so the model writes each digit after the ones it depends on.
(A subtraction puts the larger number first: 61-29=230, never a negative answer.) The model reads
every line after the newline that ends the line before, so a prompt starts with one too:
``arithmetic_codec`` puts it in front, as GPT-2 Chinese puts [CLS] in front of its prompts.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from core import config, validate
from core.errors import InvalidInput

UNK = "<unk>"
UNK_TEXT = "\ufffd"        # how an <unk> reads in generated text: the replacement character, �
ARITHMETIC_CHARS = "0123456789+-=\n"


class CharVocab:
    """Characters to ids and back: ``<unk>`` is id 0, then ``chars`` in the order given."""

    unk_id = 0

    def __init__(self, chars: Sequence[str]):
        chars = tuple(chars)
        if (any(not isinstance(c, str) or len(c) != 1 for c in chars) or len(set(chars)) != len(chars)
                or len(chars) + 1 > config.PRETRAIN_MAX_VOCAB):
            raise InvalidInput("Vocabulary", "pretrain_vocab_bad", max=config.PRETRAIN_MAX_VOCAB - 1)
        self.chars = chars
        self._ids = {c: i + 1 for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        """Every character ``text`` uses, in code point order."""
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars) + 1

    def __eq__(self, other) -> bool:
        return isinstance(other, CharVocab) and self.chars == other.chars

    def encode(self, text: str) -> list[int]:
        ids = self._ids
        return [ids.get(c, 0) for c in text]

    def decode(self, ids) -> str:
        chars = self.chars
        return "".join(chars[i - 1] if 0 < i <= len(chars) else UNK_TEXT for i in ids)

    def token(self, token_id: int) -> str:
        """One token as the page shows it: its character, or <unk>."""
        return self.chars[token_id - 1] if 0 < token_id <= len(self.chars) else UNK

    def missing(self, text: str) -> dict[str, int]:
        """The characters of ``text`` this vocabulary lacks, with how often each occurs, most frequent first."""
        counts = Counter(c for c in text if c not in self._ids)
        return dict(counts.most_common())

    def to_json(self) -> str:
        return json.dumps({"kind": "char", "chars": list(self.chars)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "CharVocab":
        """A vocabulary from ``to_json``'s text (read back from an export), checked as it is rebuilt."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("kind") != "char" or not isinstance(data.get("chars"), list):
            raise InvalidInput("Vocabulary", "pretrain_vocab_bad", max=config.PRETRAIN_MAX_VOCAB - 1)
        return cls(data["chars"])


class CharCodec:
    """A ``CharVocab`` as the Generate tab reads text with it (the interface of ``core.lm.TextCodec``).

    ``prefix``: text put before every prompt (none for a text corpus); ``end``: a character that ends
    a generation (none for a text corpus). ``<unk>`` is the special token and the padding."""

    family = "char"

    def __init__(self, vocab: CharVocab, prefix: str = "", end: str | None = None):
        self.vocab = vocab
        self.prefix = vocab.encode(prefix)
        self.eos = vocab.encode(end) if end else []
        self.pad = vocab.unk_id
        self.special = frozenset({vocab.unk_id})

    def encode(self, text: str) -> list[int]:
        return self.prefix + self.continue_with(text)

    def continue_with(self, text: str) -> list[int]:
        return self.vocab.encode(text) if text else []

    def decode(self, ids) -> str:
        """The text of ``ids``; an <unk> reads as �, so that a student sees where a character was unknown."""
        return self.vocab.decode(ids)

    def piece(self, token_id: int) -> str:
        return self.vocab.token(token_id)

    def stream(self) -> "CharStream":
        return CharStream(self)


class CharStream:
    """``core.lm.TextStream`` for a character vocabulary: every token is a whole character, released at once."""

    def __init__(self, codec: CharCodec):
        self.codec = codec
        self.ids: list[int] = []
        self.text = ""

    def add(self, token_id: int) -> str:
        self.ids.append(token_id)
        delta = self.codec.decode([token_id])
        self.text += delta
        return delta

    def finish(self) -> str:
        return ""


# --- arithmetic -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    a: int
    op: str             # "+" or "-"
    b: int
    digits: int

    @property
    def result(self) -> int:
        return self.a + self.b if self.op == "+" else self.a - self.b

    @property
    def prompt(self) -> str:
        """What the model is given: '37+48='."""
        return f"{self.a:0{self.digits}d}{self.op}{self.b:0{self.digits}d}="

    @property
    def answer(self) -> str:
        """What it should write: the result's digits backwards, '580' for 85."""
        return f"{self.result:0{self.digits + 1}d}"[::-1]

    @property
    def line(self) -> str:
        return self.prompt + self.answer + "\n"


def arithmetic_vocab() -> CharVocab:
    return CharVocab(ARITHMETIC_CHARS)


def arithmetic_codec(vocab: CharVocab | None = None) -> CharCodec:
    """How the Generate tab talks to an arithmetic model: a newline before the prompt (every line the
    model read followed one), and the newline after the answer ends the generation."""
    return CharCodec(vocab or arithmetic_vocab(), prefix="\n", end="\n")


def _space(digits: int, op: str) -> int:
    """How many problems ``op`` has: every pair for +, and for - the pairs with a >= b (no negative answers)."""
    n = 10 ** digits
    return n * n if op == "+" else n * (n + 1) // 2


def _problem(index: int, digits: int, op: str) -> Problem:
    n = 10 ** digits
    if op == "+":
        return Problem(index // n, "+", index % n, digits)
    a = (math.isqrt(8 * index + 1) - 1) // 2                    # the pairs (a, b <= a), counted row by row
    return Problem(a, "-", index - a * (a + 1) // 2, digits)


def arithmetic_problems(digits, ops, n: int, seed: int) -> list[Problem]:
    """``n`` different problems (all of them, shuffled, when there are fewer), drawn evenly from every
    problem ``ops`` has with ``digits``-digit operands; the same seed gives the same list."""
    digits = validate.number(digits, config.ARITHMETIC_DIGITS)
    ops = validate.choices(ops, config.ARITHMETIC_OPS, "Operations", len(config.ARITHMETIC_OPS))
    sizes = [_space(digits, op) for op in ops]
    total = sum(sizes)
    picks = np.random.default_rng(seed).choice(total, size=min(int(n), total), replace=False)
    problems = []
    for index in picks.tolist():
        for op, size in zip(ops, sizes):
            if index < size:
                problems.append(_problem(index, digits, op))
                break
            index -= size
    return problems


def arithmetic_text(problems: Sequence[Problem]) -> str:
    return "".join(p.line for p in problems)


def read_answer(answer: str) -> int | None:
    """The number an answer in the corpus's format stands for ('580' -> 85); None if it is not digits."""
    return int(answer[::-1]) if answer.isdigit() else None


def score_answer(problem: Problem, generated: str) -> bool:
    """Whether ``generated``, the text a model wrote after ``problem.prompt``, starts with the right answer."""
    return generated[: len(problem.answer)] == problem.answer


def loss_floor(digits, ops) -> float:
    """The lowest mean loss per character (nats) any model can reach on arithmetic lines (scored whole,
    as ``batches`` with ``line_length`` scores them): the operands (and the operation) are drawn at
    random, and no model can foresee them; everything else is determined. A model at this floor has
    learned the arithmetic."""
    digits = validate.number(digits, config.ARITHMETIC_DIGITS)
    ops = validate.choices(ops, config.ARITHMETIC_OPS, "Operations", len(config.ARITHMETIC_OPS))
    line = len(Problem(0, ops[0], 0, digits).line)
    return math.log(sum(_space(digits, op) for op in ops)) / line


@torch.no_grad()
def exact_match(model, problems: Sequence[Problem], vocab: CharVocab) -> float:
    """The share of ``problems`` a model (with a ``generate`` like ``core.tinygpt.TinyGPT``'s) answers right,
    writing greedily after a newline and the prompt; all at once, as one batch (prompts all have one length)."""
    if not problems:
        return 0.0
    device = next(model.parameters()).device
    prompts = torch.tensor([vocab.encode("\n" + p.prompt) for p in problems], device=device)
    written = model.generate(prompts, problems[0].digits + 1)[:, prompts.shape[1]:].tolist()
    return sum(score_answer(p, vocab.decode(row)) for p, row in zip(problems, written)) / len(problems)


# --- a student's text -----------------------------------------------------------------------------

def text_corpus(text, block_size: int) -> str:
    """``text`` as a corpus for a context of ``block_size``: text (stripped), not empty, at most
    config.PRETRAIN_TEXT_MAX_CHARS characters, at least config.PRETRAIN_TEXT_MIN_CONTEXTS contexts long,
    using fewer than config.PRETRAIN_MAX_VOCAB different characters."""
    text = validate.short_text(text, "Text", config.PRETRAIN_TEXT_MAX_CHARS)
    if not text:
        raise InvalidInput("Text", "pretrain_text_empty")
    least = config.PRETRAIN_TEXT_MIN_CONTEXTS * (block_size + 1)
    if len(text) < least:
        raise InvalidInput("Text", "pretrain_text_too_short", count=len(text), min=least, block=block_size,
                           contexts=config.PRETRAIN_TEXT_MIN_CONTEXTS)
    used = len(set(text))
    if used + 1 > config.PRETRAIN_MAX_VOCAB:
        raise InvalidInput("Text", "pretrain_text_too_many_chars", count=used, max=config.PRETRAIN_MAX_VOCAB - 1)
    return text


def text_from_file(path) -> str:
    """The text of an uploaded .txt: at most config.PRETRAIN_TEXT_MAX_BYTES, UTF-8 (a byte order mark is
    dropped), not binary; Windows line ends become newlines (else '\r' would be a token of its own).
    Check it with ``text_corpus`` next."""
    if not path:
        raise InvalidInput("Text file", "pretrain_file_missing")
    path = Path(path)
    size = path.stat().st_size
    if size > config.PRETRAIN_TEXT_MAX_BYTES:
        raise InvalidInput("Text file", "pretrain_file_too_big", size=f"{size / 2**20:.1f}",
                           max=f"{config.PRETRAIN_TEXT_MAX_BYTES / 2**20:.0f}")
    data = path.read_bytes()
    try:
        if b"\x00" in data:         # UTF-8 text never holds a NUL byte; images and archives do
            raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise InvalidInput("Text file", "pretrain_file_not_text") from None


# --- splits and batches ---------------------------------------------------------------------------

def split(items, fraction: float = config.PRETRAIN_VALIDATION_FRACTION):
    """(train, validation): the last ``fraction`` of ``items`` (ids of a text, or problems) is held out,
    at least one item on each side. No randomness: arithmetic problems come shuffled already, and a
    text's end is the part of it the model has not seen."""
    n = len(items)
    if n < 2:
        raise InvalidInput("Corpus", "pretrain_split_too_small", count=n)
    held = min(n - 1, max(1, round(n * fraction)))
    return items[: n - held], items[n - held:]


def batches(ids: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator,
            line_length: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless (inputs, targets) pairs, each (batch_size, block_size), drawn with ``generator``: the targets
    are the inputs moved on by one token.

    A window is a run of ``ids`` from a random place; or, when ``ids`` are lines of ``line_length``
    tokens that each end with the same token (arithmetic, ending in a newline), that token and then
    random lines laid end to end. Every line then sits at the same positions (the position embedding
    tells the model which digit it is writing), no order of lines is there to be memorised, and a
    line cut off by the window's end is not scored (target -1): the loss can reach ``loss_floor``."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    if line_length:
        if block_size < line_length:
            raise InvalidInput("Context length", "pretrain_context_below_line", block=block_size, length=line_length)
        lines = ids.view(-1, line_length)
        per_window = -(-block_size // line_length)
        scored = block_size // line_length * line_length
        while True:
            picks = torch.randint(len(lines), (batch_size, per_window), generator=generator)
            targets = lines[picks].view(batch_size, -1)[:, :block_size].clone()
            inputs = torch.cat([targets[:, line_length - 1:line_length], targets[:, :-1]], dim=1)
            targets[:, scored:] = -1
            yield inputs, targets
    if len(ids) < block_size + 1:
        raise InvalidInput("Corpus", "pretrain_split_too_short", count=len(ids), block=block_size,
                           min=block_size + 1)
    offsets = torch.arange(block_size + 1)
    while True:
        starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
        windows = ids[starts[:, None] + offsets]
        yield windows[:, :-1], windows[:, 1:]
