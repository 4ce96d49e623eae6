"""Pretrain a tiny GPT in the page, or fine-tune one trained earlier in the session.

``PretrainConfig.from_user`` checks what the page or the API sent. ``PretrainRun.steps()`` is a
generator of immutable ``StepRecord``s: every step's training loss, and every
config.PRETRAIN_EVAL_EVERY steps the validation loss, the arithmetic exact match on held-out
problems and a sample written from a fixed prompt. Stop ends it after the
current step and keeps the model so far. Every random draw (initial weights, dropout, batches,
samples) comes from generators seeded with the run's seed: the same seed gives the same curves.

Fine-tuning (``init_from``) starts from a model of the session's ``LMRegistry``, keeps its shape and
vocabulary (characters it lacks become <unk>, and the result says which) and trains a twin from
scratch on the same batches beside it, so the page can draw both curves and say how many steps
each needed to reach the same target.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

import torch

from core import config, corpus, validate
from core.errors import InvalidInput, ResourceLimit
from core.lm_registry import LMRegistry, TrainedLM
from core.tinygpt import GPTConfig, TinyGPT

SAMPLE_PROMPT = {"text": "\n"}      # a text model writes after a newline; arithmetic samples are problems


# --- what a run is asked to do ----------------------------------------------------------------------

@dataclass(frozen=True)
class PretrainConfig:
    corpus: str = "arithmetic"
    text: str = ""
    digits: int = int(config.ARITHMETIC_DIGITS.default)
    ops: tuple[str, ...] = ("+",)
    n_layer: int = int(config.PRETRAIN_LAYERS.default)
    n_head: int = int(config.PRETRAIN_HEADS.default)
    n_embd: int = int(config.PRETRAIN_WIDTH.default)
    block_size: int = config.arithmetic_context(config.ARITHMETIC_DIGITS.default)   # as corpus_defaults
    dropout: float = config.PRETRAIN_DROPOUT.default
    learning_rate: float = config.PRETRAIN_LEARNING_RATE.default
    warmup_steps: int = int(config.PRETRAIN_WARMUP.default)
    batch_size: int = config.ARITHMETIC_BATCH
    steps: int = int(config.PRETRAIN_STEPS.default)
    seed: int = int(config.SEED.default)
    init_from: str | None = None

    @classmethod
    def from_user(cls, corpus="arithmetic", text=None, text_file=None, digits=None, ops=None, n_layer=None,
                  n_head=None, n_embd=None, block_size=None, dropout=None, learning_rate=None, warmup_steps=None,
                  batch_size=None, steps=None, seed=None, init_from=None, registry=None) -> "PretrainConfig":
        """A config from raw page or API values (None: the default), each checked against core.config.
        A fine-tune (``init_from``: a model of ``registry``) takes the base model's shape."""
        def number(value, limit):
            return validate.number(limit.default if value is None else value, limit)

        name = validate.choice("arithmetic" if corpus is None else corpus, config.PRETRAIN_CORPORA, "Corpus")
        digits = number(digits, config.ARITHMETIC_DIGITS)
        starts = corpus_defaults(name, digits)
        block_size = starts["block_size"] if block_size is None else block_size
        batch_size = starts["batch_size"] if batch_size is None else batch_size
        base = None
        if init_from not in (None, ""):
            base = (registry or LMRegistry()).get(init_from)
        shape = base.model.config if base is not None else None
        cfg = cls(
            corpus=name, digits=digits,
            ops=tuple(validate.choices(["+"] if ops is None else ops, config.ARITHMETIC_OPS, "Operations",
                                       len(config.ARITHMETIC_OPS))),
            n_layer=shape.n_layer if shape else number(n_layer, config.PRETRAIN_LAYERS),
            n_head=shape.n_head if shape else number(n_head, config.PRETRAIN_HEADS),
            n_embd=shape.n_embd if shape else number(n_embd, config.PRETRAIN_WIDTH),
            block_size=shape.block_size if shape else number(block_size, config.PRETRAIN_CONTEXT),
            dropout=number(dropout, config.PRETRAIN_DROPOUT),
            learning_rate=number(learning_rate, config.PRETRAIN_LEARNING_RATE),
            warmup_steps=number(warmup_steps, config.PRETRAIN_WARMUP),
            batch_size=number(batch_size, config.PRETRAIN_BATCH), steps=number(steps, config.PRETRAIN_STEPS),
            seed=number(seed, config.SEED), init_from=base.id if base else None)
        if cfg.n_embd % cfg.n_head:
            raise InvalidInput("Heads", "pretrain_heads_width", width=cfg.n_embd, heads=cfg.n_head)
        tokens = cfg.steps * cfg.batch_size * cfg.block_size
        if tokens > config.PRETRAIN_MAX_TOKENS:
            raise ResourceLimit("pretrain_too_much_work", tokens=f"{tokens:,}", max=f"{config.PRETRAIN_MAX_TOKENS:,}")
        if name == "text":
            raw = corpus_text(text, text_file)
            cfg = replace(cfg, text=raw)
        return cfg


def corpus_defaults(corpus_name: str, digits=None) -> dict:
    """The context and batch a corpus starts with. Arithmetic: a context of exactly one line
    (3 · digits + 4 characters, '37+48=580' and its newline), with many lines per batch: every line
    then sits at the same positions, and 2-digit addition was learned to 95 % in 600-1,200 steps by
    every seed tried, where a context of three lines at three offsets sometimes never learned it."""
    if corpus_name == "arithmetic":
        d = config.ARITHMETIC_DIGITS.default if digits is None else digits
        return {"block_size": config.arithmetic_context(d), "batch_size": config.ARITHMETIC_BATCH}
    return {"block_size": int(config.PRETRAIN_CONTEXT.default), "batch_size": int(config.PRETRAIN_BATCH.default)}


def corpus_text(text, text_file) -> str:
    """The pasted text, or the uploaded file's when no text was pasted (checked later against the context)."""
    pasted = validate.short_text(text, "Text", config.PRETRAIN_TEXT_MAX_CHARS) if text is not None else ""
    if pasted:
        return pasted
    if text_file:
        return corpus.text_from_file(text_file)
    raise InvalidInput("Text", "pretrain_text_empty")


def lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warm-up to the learning rate, then cosine decay to a tenth of it at the last step."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    span = max(1, cfg.steps - cfg.warmup_steps)
    progress = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@dataclass(frozen=True)
class StepRecord:
    step: int                       # 1-based
    steps: int
    train_loss: float
    lr: float
    tokens_per_s: float
    elapsed_s: float
    val_loss: float | None = None           # at evaluations only
    exact_match: float | None = None        # arithmetic, at evaluations
    sample: str | None = None
    scratch_train_loss: float | None = None     # a fine-tune's from-scratch twin
    scratch_val_loss: float | None = None
    scratch_exact_match: float | None = None

    @property
    def final(self) -> bool:
        """The run's last step (core.scheduler lets the run go without waiting for another turn)."""
        return self.step >= self.steps


# --- the run ------------------------------------------------------------------------------------

@dataclass
class PretrainRun:
    """One pretraining (or fine-tuning) run: builds corpus and model, then trains via ``steps()``."""

    config: PretrainConfig
    registry: Any = None
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self):
        cfg = self.config
        self.base = self.registry.get(cfg.init_from) if cfg.init_from else None
        self._prepare_corpus()
        shape = GPTConfig(vocab_size=len(self.vocab), n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
                          block_size=cfg.block_size, dropout=cfg.dropout)
        self.model = self._new_model(shape, cfg.seed)
        if self.base is not None:
            self.model.load_state_dict(self.base.model.state_dict())
        self.parameters = self.model.parameters_count()
        if self.parameters > config.PRETRAIN_MAX_PARAMETERS:
            raise ResourceLimit("pretrain_too_many_parameters", count=f"{self.parameters:,}",
                                max=f"{config.PRETRAIN_MAX_PARAMETERS:,}")
        self.scratch = self._new_model(shape, cfg.seed) if self.base is not None else None
        self.history: list[StepRecord] = []
        self.samples: list[tuple[int, str]] = []
        self.stopped = False
        self.entry: TrainedLM | None = None

    def _new_model(self, shape: GPTConfig, seed: int) -> TinyGPT:
        from core.device import model_building

        with model_building:
            return TinyGPT(shape, torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 2))

    def _prepare_corpus(self) -> None:
        cfg = self.config
        self.missing: dict[str, int] = {}
        self.line_length = None
        if cfg.corpus == "arithmetic":
            problems = corpus.arithmetic_problems(cfg.digits, cfg.ops, config.ARITHMETIC_PROBLEMS, cfg.seed)
            self.train_problems, self.val_problems = corpus.split(problems)
            self.vocab = self.base.vocab if self.base is not None else corpus.arithmetic_vocab()
            self.line_length = len(problems[0].line)
            train_text, val_text = corpus.arithmetic_text(self.train_problems), corpus.arithmetic_text(self.val_problems)
        else:
            text = corpus.text_corpus(cfg.text, cfg.block_size)
            self.vocab = self.base.vocab if self.base is not None else corpus.CharVocab.from_text(text)
            cut = len(text) - max(cfg.block_size + 1, round(len(text) * config.PRETRAIN_VALIDATION_FRACTION))
            train_text, val_text = text[:cut], text[cut:]
        if self.base is not None:
            self.missing = self.vocab.missing(train_text + val_text)
            unknown = sum(self.missing.values())
            if unknown > 0.5 * len(train_text + val_text):
                shown = "".join(sorted(self.missing, key=self.missing.get, reverse=True)[:20])
                raise InvalidInput("Corpus", "pretrain_outside_vocab", share=f"{unknown / len(train_text + val_text):.0%}",
                                   chars=shown, model=self.base.id)
        self.train_ids = torch.tensor(self.vocab.encode(train_text), dtype=torch.long)
        self.val_ids = torch.tensor(self.vocab.encode(val_text), dtype=torch.long)

    def _batches(self, seed: int):
        cfg = self.config
        return corpus.batches(self.train_ids, cfg.block_size, cfg.batch_size, torch.Generator().manual_seed(seed),
                              line_length=self.line_length)

    @torch.no_grad()
    def _val_loss(self, model: TinyGPT) -> float:
        model.eval()
        cfg = self.config
        batches = corpus.batches(self.val_ids, cfg.block_size, cfg.batch_size,
                                 torch.Generator().manual_seed(cfg.seed + 3), line_length=self.line_length)
        losses = []
        for _ in range(config.PRETRAIN_EVAL_BATCHES):
            x, y = next(batches)
            losses.append(model(x, y)[1].item())
        model.train()
        return sum(losses) / len(losses)

    def _exact_match(self, model: TinyGPT) -> float | None:
        if self.config.corpus != "arithmetic":
            return None
        return corpus.exact_match(model, self.val_problems[: config.PRETRAIN_EXACT_MATCH_PROBLEMS], self.vocab)

    def sample(self, model: TinyGPT | None = None) -> str:
        """Text written greedily by ``model`` (the run's own by default) from a fixed prompt: for
        arithmetic, three held-out problems and the answers it gives."""
        model = model or self.model
        if self.config.corpus == "arithmetic":
            lines = []
            for problem in self.val_problems[:3]:
                ids = torch.tensor([self.vocab.encode("\n" + problem.prompt)])
                written = self.vocab.decode(model.generate(ids, len(problem.answer))[0, ids.shape[1]:].tolist())
                read = corpus.read_answer(written)          # the digits come reversed: '580' reads 85
                mark = "✓" if corpus.score_answer(problem, written) else f"✗ {problem.result}"
                lines.append(f"{problem.prompt}{written}  → {'?' if read is None else read} {mark}")
            return "\n".join(lines)
        ids = torch.tensor([self.vocab.encode(SAMPLE_PROMPT["text"])])
        out = model.generate(ids, min(config.PRETRAIN_SAMPLE_CHARS, self.config.block_size * 4))
        return self.vocab.decode(out[0, ids.shape[1]:].tolist())

    def _optimizer(self, model: TinyGPT) -> torch.optim.Optimizer:
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
        rest = [p for n, p in model.named_parameters() if p.dim() < 2]
        return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                                 lr=self.config.learning_rate, betas=(0.9, 0.95))

    def steps(self) -> Iterator[StepRecord]:
        """Train, yielding one record per step; Stop ends it after the current step."""
        cfg = self.config
        models = [self.model] + ([self.scratch] if self.scratch is not None else [])
        optimizers = [self._optimizer(m) for m in models]
        streams = [self._batches(cfg.seed + 1) for _ in models]      # the twin sees the very same batches
        for m in models:
            m.train()
        started = time.perf_counter()
        tokens = 0
        for step in range(1, cfg.steps + 1):
            lr = lr_at(step - 1, cfg)
            losses = []
            for model, optimizer, stream in zip(models, optimizers, streams):
                for group in optimizer.param_groups:
                    group["lr"] = lr
                x, y = next(stream)
                loss = model(x, y)[1]
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                losses.append(loss.item())
            if not math.isfinite(losses[0]):
                raise InvalidInput("Learning rate", "pretrain_diverged", step=step)
            tokens += cfg.batch_size * cfg.block_size
            elapsed = time.perf_counter() - started
            record = StepRecord(step, cfg.steps, losses[0], lr, tokens / max(elapsed, 1e-9), elapsed,
                                scratch_train_loss=losses[1] if len(losses) > 1 else None)
            if step % config.PRETRAIN_EVAL_EVERY == 0 or step == cfg.steps:
                record = self._evaluated(record, step)
            self.history.append(record)
            yield record
            if self.should_stop():
                self.stopped = True
                if record.val_loss is None:         # the model so far is judged, as at any evaluation
                    self.history[-1] = self._evaluated(record, step)
                break
        for m in models:
            m.eval()

    def _evaluated(self, record: StepRecord, step: int) -> StepRecord:
        extra = dict(val_loss=self._val_loss(self.model), exact_match=self._exact_match(self.model))
        extra["sample"] = self.sample()
        self.samples.append((step, extra["sample"]))
        if self.scratch is not None:
            extra.update(scratch_val_loss=self._val_loss(self.scratch), scratch_exact_match=self._exact_match(self.scratch))
        return replace(record, **extra)

    def register(self) -> TrainedLM:
        """Put the trained model into the session's registry (for Generate and later fine-tunes)."""
        cfg = self.config
        what = (f"{'+'.join(cfg.ops)} with {cfg.digits} digit(s)" if cfg.corpus == "arithmetic" else
                f"{len(cfg.text):,} characters of text")
        describe = (f"fine-tuned from {cfg.init_from} on " if cfg.init_from else "trained on ") + what
        model = copy.deepcopy(self.model).eval()
        arithmetic = {"digits": cfg.digits, "ops": list(cfg.ops)} if cfg.corpus == "arithmetic" else None
        self.entry = self.registry.add(model, self.vocab, cfg.corpus, describe, arithmetic)
        return self.entry

    def steps_to(self) -> dict:
        """For a fine-tune: the steps each of the two models needed to reach the target: 90 % exact
        match for arithmetic, else the from-scratch model's final validation loss."""
        if self.scratch is None:
            return {}
        evaluated = [r for r in self.history if r.val_loss is not None]
        if not evaluated:
            return {}
        if self.config.corpus == "arithmetic":
            target, kind = 0.9, "exact_match"
            tuned = next((r.step for r in evaluated if (r.exact_match or 0) >= target), None)
            scratch = next((r.step for r in evaluated if (r.scratch_exact_match or 0) >= target), None)
        else:
            target, kind = evaluated[-1].scratch_val_loss, "val_loss"
            tuned = next((r.step for r in evaluated if r.val_loss <= target), None)
            scratch = next((r.step for r in evaluated if r.scratch_val_loss <= target), None)
        return {"target": kind, "value": round(target, 4), "fine_tuned": tuned, "from_scratch": scratch}

    def summary(self) -> dict:
        """The record the API returns."""
        last = self.history[-1] if self.history else None
        evaluated = [r for r in self.history if r.val_loss is not None]
        final = evaluated[-1] if evaluated else None
        return {
            "model_id": self.entry.id if self.entry else None, "parameters": self.parameters,
            "steps_completed": len(self.history), "stopped": self.stopped,
            "train_loss": round(last.train_loss, 4) if last else None,
            "val_loss": round(final.val_loss, 4) if final else None,
            "tokens_per_s": round(last.tokens_per_s, 1) if last else None,
            "seconds": round(last.elapsed_s, 2) if last else 0.0,
            "exact_match": final.exact_match if final else None,
            "samples": [{"step": s, "text": t} for s, t in self.samples],
            "corpus": self.config.corpus, "vocab_size": len(self.vocab), "init_from": self.config.init_from,
            "missing_chars": dict(sorted(self.missing.items(), key=lambda kv: -kv[1])[:50]),
            "compare": self.steps_to(),
            "config": {k: v for k, v in self.config.__dict__.items() if k != "text"},
        }
