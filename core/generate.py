"""Generate text with a causal language model, one token at a time.

``GenerateConfig.from_user`` checks whatever the page or the API sent. ``Generation.tokens()``
is a generator of immutable ``TokenRecord``s: the token, its probability and rank, the
candidates it was chosen from, and the text it completes. Streaming, Stop and the
per-token distributions are one mechanism, the loop in ``tokens()``. It is one row of its
model's batch (core.batching): the requests on a model decode together, one forward pass per
token for all of them over a KV cache, and each row's token is chosen by the rules of
``core.sampling`` with a ``torch.Generator`` seeded per request, so the same seed gives the
same text whoever else is generating. The loop is the same for GPT-2 and for a model trained
in this session (core.lm.resolve gives either). Beam search keeps several sequences and only
knows the best one at the end, so it runs on its own as the model's own search (transformers'
``generate``, or core.tinygpt's plain one) and its records come when it has finished.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch

from core import batching, config, validate
from core.errors import InvalidInput, ResourceLimit
from core.lm import SESSION_SOURCE, TextModel
from core.scheduler import SCHEDULER
from core.sampling import Candidate, penalize, probabilities


def _as_float(value) -> float | None:
    try:
        return float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):
        return None


def check_prompt(prompt) -> str:
    """The prompt as text: not empty, not whitespace, at most config.MAX_PROMPT_CHARS characters."""
    text = validate.short_text(prompt, "Prompt", config.MAX_PROMPT_CHARS)
    if not text:
        raise InvalidInput("Prompt", "prompt_empty")
    return text


def check_temperature(value) -> float:
    number = _as_float(value)
    if number is not None and number <= 0:
        raise InvalidInput("Temperature", "temperature_zero", value=f"{number:g}")
    return validate.number(value, config.TEMPERATURE)


def check_top_p(value) -> float:
    number = _as_float(value)
    if number is not None and (number <= 0 or number > 1):
        raise InvalidInput("Top-p", "top_p_range", value=f"{number:g}")
    return validate.number(value, config.TOP_P)


def check_model(value, registry=None) -> str:
    """An allowlisted model id (or the operator's directory), or the id of a model trained in this
    session (one of ``registry``'s, the session's core.pretrain.LMRegistry; another session's is
    refused like any unknown name); None or '' means the default. core.lm.resolve loads it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return config.default_text_model()
    allowed = (*config.text_models(), *(registry.ids() if registry is not None else ()))
    if isinstance(value, str) and value.strip() in allowed:
        return value.strip()
    raise InvalidInput("Model", "model_not_allowed", value=validate.show(value), options=", ".join(allowed))


def check_precision(value) -> str:
    return validate.choice("fp32" if value is None else value, config.PRECISIONS, "Precision")


@dataclass(frozen=True)
class GenerateConfig:
    prompt: str = config.DEFAULT_PROMPT
    max_new_tokens: int = int(config.MAX_NEW_TOKENS.default)
    strategy: str = "greedy"
    temperature: float = config.TEMPERATURE.default
    top_k: int = int(config.TOP_K.default)
    top_p: float = config.TOP_P.default
    num_beams: int = int(config.NUM_BEAMS.default)
    repetition_penalty: float = config.REPETITION_PENALTY.default
    no_repeat_ngram_size: int = int(config.NO_REPEAT_NGRAM.default)
    seed: int = int(config.SEED.default)
    precision: str = "fp32"
    model: str = config.DEFAULT_TEXT_MODEL

    @classmethod
    def from_user(cls, prompt, max_new_tokens=config.MAX_NEW_TOKENS.default, strategy="greedy",
                  temperature=config.TEMPERATURE.default, top_k=config.TOP_K.default, top_p=config.TOP_P.default,
                  num_beams=config.NUM_BEAMS.default, repetition_penalty=config.REPETITION_PENALTY.default,
                  no_repeat_ngram_size=config.NO_REPEAT_NGRAM.default, seed=config.SEED.default,
                  precision="fp32", model=None, registry=None) -> "GenerateConfig":
        """A config from raw page or API values, each checked against core.config; ``model`` may
        also be a model of ``registry`` (see check_model)."""
        return cls(
            prompt=check_prompt(prompt),
            max_new_tokens=validate.number(max_new_tokens, config.MAX_NEW_TOKENS),
            strategy=validate.choice(strategy, config.STRATEGIES, "Strategy"),
            temperature=check_temperature(temperature),
            top_k=validate.number(top_k, config.TOP_K),
            top_p=check_top_p(top_p),
            num_beams=validate.number(num_beams, config.NUM_BEAMS),
            repetition_penalty=validate.number(repetition_penalty, config.REPETITION_PENALTY),
            no_repeat_ngram_size=validate.number(no_repeat_ngram_size, config.NO_REPEAT_NGRAM),
            seed=validate.number(seed, config.SEED),
            precision=check_precision(precision),
            model=check_model(model, registry),
        )


@dataclass(frozen=True)
class TokenRecord:
    index: int                          # 0-based position among the new tokens
    id: int
    token: str                          # how the token reads (its bytes, when it is part of a character)
    prob: float                         # its probability after temperature
    rank: int                           # 1 = the most likely
    candidates: tuple[Candidate, ...]   # the config.CHART_CANDIDATES most likely, most likely first
    text: str                           # the text this token completes ('' inside a character)
    elapsed_s: float                    # since the run started
    end: bool = False                   # the end-of-text token: it adds no text and ends the run


@dataclass(frozen=True)
class GenerationResult:
    config: GenerateConfig
    model: TextModel
    prompt_ids: tuple[int, ...]
    steps: tuple[TokenRecord, ...]
    text: str
    stopped: bool
    ttft_s: float
    seconds: float
    notes: tuple[dict, ...]             # e.g. {"note": "prompt_truncated", "tokens": 1200, "kept": 960}

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.steps]

    @property
    def tokens_per_s(self) -> float:
        """Decoding speed after the first token (the first includes reading the prompt); beam search
        delivers every token at the end, so its speed is over the whole run."""
        n = len(self.steps)
        if self.config.strategy != "beam" and n > 1 and self.seconds > self.ttft_s:
            return (n - 1) / (self.seconds - self.ttft_s)
        return n / self.seconds if self.seconds > 0 else 0.0

    def summary(self, with_steps: bool = True) -> dict:
        """The record the API returns."""
        cfg, codec = self.config, self.model.codec
        out = {
            "text": self.text, "new_tokens": len(self.steps), "ttft_s": round(self.ttft_s, 4),
            "tokens_per_s": round(self.tokens_per_s, 2), "seconds": round(self.seconds, 3),
            "model": self.model.name, "source": self.model.source, "device": self.model.device,
            "precision": self.model.precision, "strategy": cfg.strategy, "seed": cfg.seed,
            "prompt_tokens": len(self.prompt_ids), "stopped": self.stopped, "notes": list(self.notes),
        }
        if with_steps:
            out["steps"] = [{"token": s.token, "id": s.id, "prob": s.prob, "rank": s.rank,
                             "top": [{"token": codec.piece(c.id), "id": c.id, "prob": c.prob}
                                     for c in s.candidates[:config.TOP_SHOWN]]}
                            for s in self.steps]
        return out


def fit_prompt(ids: list[int], prefix: list[int], room: int) -> list[int]:
    """``ids`` (which start with ``prefix``, like [CLS]) cut to at most ``room`` tokens: the prefix
    and the most recent tokens of the text."""
    if len(ids) <= room:
        return ids
    return prefix + ids[len(ids) - room + len(prefix):]


def prompt_ids(cfg: GenerateConfig, model: TextModel) -> tuple[list[int], list[dict]]:
    """The prompt's token ids, cut to the most recent ones when prompt and output would not fit the context."""
    codec, lm = model.codec, model.lm
    ids = codec.encode(cfg.prompt)
    if len(ids) <= len(codec.prefix):
        raise InvalidInput("Prompt", "prompt_no_tokens")
    room = lm.context - cfg.max_new_tokens
    notes = []
    if room < len(codec.prefix) + 1 and getattr(lm, "sliding", False) and cfg.strategy != "beam":
        room = max(len(codec.prefix) + 1, lm.context // 2)      # the window slides over the rest (see _decode)
        notes.append({"note": "window_slides", "context": lm.context})
    if room < len(codec.prefix) + 1:
        raise ResourceLimit("context_too_small", context=lm.context, max_new=cfg.max_new_tokens)
    if len(ids) > room:
        notes.append({"note": "prompt_truncated", "tokens": len(ids), "kept": room})
        ids = fit_prompt(ids, codec.prefix, room)
    if cfg.strategy == "beam" and cfg.num_beams * (len(ids) + cfg.max_new_tokens) > config.MAX_BEAM_POSITIONS:
        raise ResourceLimit("beam_budget", beams=cfg.num_beams, positions=len(ids) + cfg.max_new_tokens,
                            total=cfg.num_beams * (len(ids) + cfg.max_new_tokens), max=config.MAX_BEAM_POSITIONS)
    return ids, notes


@dataclass
class Generation:
    """One generation: checks the prompt against the model, then decodes on demand via ``tokens()``."""

    config: GenerateConfig
    model: TextModel
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self):
        self.prompt_ids, self.notes = prompt_ids(self.config, self.model)
        self.steps: list[TokenRecord] = []
        self.stopped = False
        self._started = self._ttft = self._seconds = 0.0
        self._stream = self.model.codec.stream()

    def tokens(self) -> Iterator[TokenRecord]:
        """Decode, yielding one record per new token; ends at the end-of-text token, the limit or Stop."""
        self._started = time.perf_counter()
        try:
            if self.config.strategy == "beam":
                yield from self._beam()
            else:
                yield from self._decode()
        finally:
            self._seconds = time.perf_counter() - self._started

    # Gradio resumes a generator on whichever worker thread is free, and torch's grad mode belongs
    # to a thread: a `with torch.inference_mode()` around a `yield` would leave it switched off for
    # the next handler on that thread (a training step then fails). So only the functions below,
    # which never yield, run in inference mode; the model itself runs in core.batching's thread.
    def _decode(self) -> Iterator[TokenRecord]:
        """This run's row of its model's batch (core.batching): the batch chooses each token with this
        run's rules and generator, this loop makes the records, streams them and stops the row."""
        cfg = self.config
        if self.should_stop():
            self.stopped = True
            return
        choices = self._choices()
        try:
            for index in range(cfg.max_new_tokens):
                choice = next(choices)
                if isinstance(choice, BaseException):
                    raise choice
                if choice == batching.NO_TOKEN_LEFT:    # the rules forbid every token (a tiny vocabulary, no-repeat 1)
                    self.notes.append({"note": "no_token_left"})
                    break
                if choice == batching.STOPPED:
                    self.stopped = True
                    break
                record = self._record(index, choice)
                yield record
                if record.end or index == cfg.max_new_tokens - 1:
                    break
                if self.should_stop():
                    self.stopped = True
                    break
        finally:            # done, stopped, or closed by a client that went away: the row leaves
            choices.close()

    def _choices(self) -> Iterator:
        """This run's row in its model's batch: here (core.batching), or on the Ray cluster's decoder
        for the model when one is connected (core.cluster_decoders); a session's own model decodes here."""
        from core import cluster

        if cluster.ready() and self.model.source != SESSION_SOURCE:
            from core import cluster_decoders

            return cluster_decoders.choices(self.model.name, self.model.precision, self.prompt_ids, self.config,
                                            self.model.codec.eos, self.should_stop)
        return batching.row_choices(self.model.lm, self.prompt_ids, self.config, self.model.codec.eos,
                                    self.should_stop)

    def _beam(self) -> Iterator[TokenRecord]:
        with SCHEDULER.job("generate", should_stop=self.should_stop) as job, SCHEDULER.turn(job):
            records = self._beam_records()          # the whole search is one turn on the cores
        yield from records

    @torch.inference_mode()
    def _beam_records(self) -> list[TokenRecord]:
        cfg, lm, codec = self.config, self.model.lm, self.model.codec
        new = lm.beam_search(self.prompt_ids, cfg.num_beams, cfg.max_new_tokens, cfg.repetition_penalty,
                             cfg.no_repeat_ngram_size, codec.eos, codec.pad, should_stop=self.should_stop)
        self.stopped = bool(self.should_stop())
        if codec.eos and codec.eos[0] in new:      # generate pads after the end; keep up to it
            new = new[: new.index(codec.eos[0]) + 1]
        if not new:
            return []
        full = torch.tensor([self.prompt_ids + new])
        # The distribution the search scored at every position of the sequence it chose: beam search
        # penalises log-probabilities (not raw scores) and has no temperature.
        logits = lm.all_logits(full)[0, len(self.prompt_ids) - 1: -1].cpu()
        records = []
        for index, token in enumerate(new):
            history = full[0, : len(self.prompt_ids) + index]
            scores = penalize(torch.log_softmax(logits[index], dim=-1), history, cfg.repetition_penalty,
                              cfg.no_repeat_ngram_size)
            records.append(self._record(index, batching.describe(token, probabilities(scores, 1.0), None)))
        return records

    def _record(self, index: int, choice: batching.Choice) -> TokenRecord:
        codec, token = self.model.codec, choice.token
        end = token in codec.eos
        text = "" if end else self._stream.add(token)
        elapsed = time.perf_counter() - self._started
        if index == 0:
            self._ttft = elapsed
        record = TokenRecord(index, token, codec.piece(token), choice.prob, choice.rank, choice.candidates, text,
                             elapsed, end)
        self.steps.append(record)
        return record

    def result(self) -> GenerationResult:
        """What the run produced (so far, when stopped)."""
        self._stream.finish()
        return GenerationResult(self.config, self.model, tuple(self.prompt_ids), tuple(self.steps),
                                self._stream.text, self.stopped, self._ttft, self._seconds, tuple(self.notes))


def side_by_side(runs: list[Generation]) -> Iterator[tuple[int, TokenRecord]]:
    """Step several generations in turn, one token each, so that they stream together."""
    streams = [(i, run.tokens()) for i, run in enumerate(runs)]
    try:
        while streams:
            for entry in list(streams):
                i, tokens = entry
                record = next(tokens, None)
                if record is None:
                    streams.remove(entry)
                else:
                    yield i, record
    finally:            # closed early (Stop, a client gone): every run's row leaves its batch
        for _, tokens in streams:
            tokens.close()


def warm_up() -> None:
    """Load the default text model when it is already on this machine (never a download), so the
    first student to open Generate does not wait for transformers and the weights."""
    import logging

    from core import models
    from core.errors import ModelUnavailable

    try:
        models.load("text", config.default_text_model(), download=False)
    except ModelUnavailable as missing:
        logging.getLogger(__name__).info("the default text model is not on this machine yet (%s); Generate will "
                                         "say what to do", missing.key)
