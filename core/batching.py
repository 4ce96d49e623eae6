"""Continuous batching: the Generate requests on one model decode together, one forward pass a step.

Decoding one sequence on a CPU is limited by reading the weights: every token reads all of them to
multiply a single vector. Eight sequences read them once for eight vectors, so a step for eight
costs far less than eight steps. Every loaded model has a ``Batcher`` (``batcher(lm)``); while it
has sequences, a thread of its own runs its steps, each one unit of the batch's job in
core.scheduler (its weight: the number of rows). A step:

1. lets in the requests that arrived, while the batch has room (config.GENERATE_MAX_BATCH rows;
   later ones wait for a row to leave). Each reads its prompt alone, chooses its first token and
   joins: its keys and values are padded on the left to the batch's length, so that every row's
   newest token is in the same column;
2. runs one forward pass for all rows: each row's last token at its own position, attending only
   to its own tokens (the mask hides its padding);
3. gives each row's scores to its request's rules (``choose_next``: core.sampling with the
   request's own seeded generator, so its text does not depend on the other rows beyond
   floating-point rounding), and puts the choice in the request's queue, from which its
   core.generate.Generation makes the record it streams.

A row leaves at its end token, its token limit, its Stop, or when its consumer went away
(``Row.cancel``: Gradio closes the generator of a client that disconnected); the columns that only
padding still uses are cut. Some rows decode on their own in the same step: those of a model that
cannot batch (not a GPT-2 or a TinyGPT: each keeps its own cache), and a sliding model's rows
whose text has filled the context (core.tinygpt), which re-read their last ``context`` tokens at
every step, all of them in one pass since they have the same length.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch

from core import config
from core.sampling import Candidate, candidates, choose, penalize, probabilities, survivors
from core.scheduler import SCHEDULER

STOPPED = "stopped"                 # queue items that end a row without a token
NO_TOKEN_LEFT = "no_token_left"


@dataclass(frozen=True)
class Choice:
    """The token chosen for a row, and what the record shows about it."""
    token: int
    prob: float                         # after temperature
    rank: int                           # 1 = the most likely
    candidates: tuple[Candidate, ...]   # the config.CHART_CANDIDATES most likely


def describe(token: int, probs: torch.Tensor, keep: torch.Tensor | None) -> Choice:
    return Choice(token, float(probs[token]), int((probs > probs[token]).sum()) + 1,
                  candidates(probs, keep, config.CHART_CANDIDATES))


def choose_next(scores: torch.Tensor, history: torch.Tensor, cfg, generator: torch.Generator) -> Choice | None:
    """The token after ``history`` under ``cfg``'s rules (a core.generate.GenerateConfig), or None when
    the rules forbid every token. Runs on the CPU, where the seeded generator lives."""
    greedy = cfg.strategy == "greedy"
    scores = penalize(scores, history, cfg.repetition_penalty, cfg.no_repeat_ngram_size)
    if not torch.isfinite(scores).any():
        return None
    probs = probabilities(scores, cfg.temperature)
    keep = None if greedy else survivors(probs, cfg.top_k, cfg.top_p)
    return describe(choose(scores, probs, keep, greedy, generator), probs, keep)


class Row:
    """One request's sequence: its rules and generator, its text so far, and the queue its consumer reads
    (a Choice per token, then STOPPED or NO_TOKEN_LEFT when it ends without one, or an exception)."""

    def __init__(self, lm, prompt_ids: list[int], cfg, eos: list[int], should_stop: Callable[[], bool]):
        self.lm, self.cfg, self.eos, self.should_stop = lm, cfg, set(eos), should_stop
        self.history = torch.tensor(prompt_ids)
        self.attained = 0.0                 # its share of the steps' seconds (core.scheduler's fairness)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.made = 0
        self.cache: Any = None              # its own, when it decodes alone
        self.choices: queue.SimpleQueue = queue.SimpleQueue()
        self.cancelled = False
        self._made_now: list = []           # this step's choice, handed over when the step is done

    def cancel(self) -> None:
        """Its consumer is gone (or done): the row leaves the batch at the next step."""
        self.cancelled = True

    def take(self, scores: torch.Tensor) -> bool:
        """Choose the next token from ``scores`` (vocab,); whether the row goes on."""
        choice = choose_next(scores, self.history, self.cfg, self.generator)
        if choice is None:
            self._made_now.append(NO_TOKEN_LEFT)
            return False
        self._made_now.append(choice)
        self.made += 1
        self.history = torch.cat([self.history, torch.tensor([choice.token])])
        return choice.token not in self.eos and self.made < self.cfg.max_new_tokens

    def hand_over(self) -> None:
        """Give the consumer what this step made (after the step, so that the consumers it wakes do not
        compete for the interpreter with the rows still being chosen)."""
        for item in self._made_now:
            self.choices.put(item)
        self._made_now.clear()

    def gone(self) -> bool:
        """Cancelled, or stopped by its user (then its consumer hears so)."""
        if self.cancelled:
            return True
        if self.should_stop():
            self.choices.put(STOPPED)
            return True
        return False


def pad_left(tensor: torch.Tensor, columns: int) -> torch.Tensor:
    """``tensor`` (batch, heads, tokens, size) with ``columns`` zero positions before its tokens."""
    if columns <= 0:
        return tensor
    zeros = tensor.new_zeros(tensor.shape[0], tensor.shape[1], columns, tensor.shape[3])
    return torch.cat([zeros, tensor], dim=2)


@contextmanager
def _one_thread():
    """The rules' work is a few operations on one vocabulary-sized vector per row, too small to share:
    in a batch of eight on two cores they took 0.27 ms a row on one thread, 0.75 ms on two."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _by_prompt_length(rows: list[Row]) -> list[list[Row]]:
    """Rows whose prompts can be read in one pass: those of one length on a model that batches."""
    groups: dict = {}
    for row in rows:
        key = len(row.history) if getattr(row.lm, "batchable", False) else id(row)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


_turns = SCHEDULER          # where the batchers' steps take their turns


def take_turns_from(turns) -> None:
    """The batchers of this process take their steps' turns from ``turns`` (an object with the job() and
    turn() of core.scheduler's SCHEDULER, which is the default): a decoder of a local Ray instance takes
    them from the web server's scheduler (core/cluster_decoders.py)."""
    global _turns
    _turns = turns


class Batcher:
    """The rows decoding on one model, and the thread that steps them while there are any."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: list[Row] = []
        self._running = False
        # Owned by the thread:
        self._rows: list[Row] = []          # the rows in the shared cache, in its order
        self._pads: list[int] = []          # each row's padding columns, on the left
        self._cache: list | None = None     # per layer [keys, values], (rows, heads, length, size)
        self._length = 0
        self._alone: list[Row] = []         # rows that decode on their own (see the module's docstring)
        self._joining: list[Row] = []       # the rows joining in this step

    def submit(self, row: Row) -> None:
        """Queue ``row`` to join at the next step (starting the thread if it is not running)."""
        with self._lock:
            self._waiting.append(row)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="dllab-generate-batch", daemon=True).start()

    def size(self) -> tuple[int, int]:
        """(rows decoding, rows waiting to join), for tests and the status."""
        with self._lock:
            return len(self._rows) + len(self._alone), len(self._waiting)

    def _run(self) -> None:
        try:
            with torch.inference_mode(), _turns.job("generate") as job:
                while self._step(job):
                    pass
        except BaseException as error:      # every consumer hears it (a busy class, a failed step)
            with self._lock:
                rows, self._waiting = self._rows + self._alone + self._joining + self._waiting, []
                self._rows, self._pads, self._cache, self._length, self._alone = [], [], None, 0, []
                self._joining = []
                self._running = False
            for row in rows:
                row.choices.put(error)

    def _step(self, job) -> bool:
        self._drop_gone()
        with self._lock:
            self._waiting = [row for row in self._waiting if not row.cancelled]
            room = max(0, config.GENERATE_MAX_BATCH - len(self._rows) - len(self._alone))
            joining, self._waiting = self._waiting[:room], self._waiting[room:]
            self._joining = joining
            if not (self._rows or self._alone or joining):
                self._running = False
                return False
        joining = [row for row in joining if not row.gone()]
        job.weight = max(1, len(self._rows) + len(self._alone) + len(joining))
        stepping = self._rows + self._alone
        # One sequence decodes as fast on one thread as on two (reading the weights is the limit), and
        # int8's products ran 1.5x faster on one in a thread other than the main one: one row, one thread.
        with _turns.turn(job, most=1 if job.weight == 1 else None):
            began = time.perf_counter()
            for group in _by_prompt_length(joining):
                self._join(group)
            for row in joining:             # their first tokens, before the batch's step
                row.hand_over()
            self._drop_gone()               # a Stop, or a client gone, while the step waited for its turn
            if self._rows:
                self._step_batch()
            if self._alone:
                self._step_alone()
            spent = time.perf_counter() - began
        for row in stepping + joining:
            row.attained += spent / max(1, len(stepping + joining))
            row.hand_over()
        # The batch waits in core.scheduler's line as its users would: by the compute they have had (a
        # batch that has run for an hour with fresh rows in it is as new as they are), per user.
        job.attained = sum(row.attained for row in self._rows + self._alone)
        return True

    def _drop_gone(self) -> None:
        self._leave([row for row in self._rows if row.gone()])
        self._alone = [row for row in self._alone if not row.gone()]

    def _join(self, rows: list[Row]) -> None:
        """Read the prompts of ``rows`` (one row, or rows of one length on a model that batches) in one
        pass, choose each one's first token, and put those that go on in the batch (or alone)."""
        lm = rows[0].lm
        step = lm.step(torch.stack([row.history for row in rows]))
        scores = step.logits.cpu()
        with _one_thread():
            going = [i for i, row in enumerate(rows) if row.take(scores[i])]
        if not getattr(lm, "batchable", False):
            if going:
                rows[0].cache = step.cache
                self._alone.append(rows[0])
            return
        full = [i for i in going if len(rows[i].history) > lm.context]     # a sliding model's full window
        self._alone.extend(rows[i] for i in full)
        going = [i for i in going if i not in full]
        if not going:
            return
        cache = [[layer[0], layer[1]] for layer in step.cache]
        if len(going) < len(rows):
            index = torch.tensor(going, device=cache[0][0].device)
            cache = [[k.index_select(0, index), v.index_select(0, index)] for k, v in cache]
        self._merge([rows[i] for i in going], cache)

    def _merge(self, rows: list[Row], cache) -> None:
        """Add ``rows``, whose ``cache`` has the same length for each, to the batch's cache."""
        tokens = cache[0][0].shape[2]
        if not self._rows:
            self._cache, self._length, self._pads = cache, tokens, []
        else:
            if tokens > self._length:       # longer prompts: the batch gets more padding
                more = tokens - self._length
                self._cache = [[pad_left(layer[0], more), pad_left(layer[1], more)] for layer in self._cache]
                self._pads = [pad + more for pad in self._pads]
                self._length = tokens
            fill = self._length - tokens
            self._cache = [[torch.cat([old[0], pad_left(new[0], fill)]), torch.cat([old[1], pad_left(new[1], fill)])]
                           for old, new in zip(self._cache, cache)]
        self._rows.extend(rows)
        self._pads.extend([self._length - tokens] * len(rows))

    def _step_batch(self) -> None:
        rows, lm = self._rows, self._rows[0].lm
        ids = torch.tensor([[int(row.history[-1])] for row in rows])
        if any(self._pads):
            pads = torch.tensor(self._pads)
            positions = (self._length - pads).view(-1, 1)
            mask = torch.arange(self._length + 1)[None, :] >= pads[:, None]
            step = lm.step(ids, self._cache, positions=positions, mask=mask)
        else:                               # no padding: the plain step, as for one sequence
            step = lm.step(ids, self._cache)
        # GPT-2's cache comes back as the same lists, grown in place (core.gpt2); TinyGPT's as new pairs
        self._cache = [layer if isinstance(layer, list) else list(layer) for layer in step.cache]
        self._length += 1
        scores = step.logits.cpu()
        with _one_thread():
            ended = [row for i, row in enumerate(rows) if not row.take(scores[i])]
        full = [row for row in rows if row not in ended and len(row.history) > row.lm.context]
        self._leave(ended + full)
        self._alone.extend(full)            # a sliding model's full window: re-read from now on

    def _step_alone(self) -> None:
        windows = [row for row in self._alone if len(row.history) > row.lm.context]
        ended = []
        if windows:
            context = windows[0].lm.context
            step = windows[0].lm.step(torch.stack([row.history[-context:] for row in windows]))
            scores = step.logits.cpu()
            with _one_thread():
                ended += [row for i, row in enumerate(windows) if not row.take(scores[i])]
        for row in self._alone:
            if row in windows:
                continue
            step = row.lm.step(row.history[-1:].view(1, 1), row.cache)
            row.cache = step.cache
            with _one_thread():
                if not row.take(step.logits[0].cpu()):
                    ended.append(row)
        self._alone = [row for row in self._alone if row not in ended]

    def _leave(self, leaving: list[Row]) -> None:
        """Take ``leaving`` out of the batch, and cut the columns that are padding in every row left."""
        if not leaving:
            return
        keep = [i for i, row in enumerate(self._rows) if row not in leaving]
        self._rows = [self._rows[i] for i in keep]
        self._pads = [self._pads[i] for i in keep]
        if not keep:
            self._cache, self._length = None, 0
            return
        cut = min(self._pads)
        index = torch.tensor(keep, device=self._cache[0][0].device)
        self._cache = [[k.index_select(0, index)[:, :, cut:], v.index_select(0, index)[:, :, cut:]]
                       for k, v, *_ in self._cache]
        self._pads = [pad - cut for pad in self._pads]
        self._length -= cut


# One batcher per loaded model: the key is the model's weights (the module core.models caches, or a
# session's TinyGPT), so a batcher goes with its model and holds nothing of it while idle.
_batchers: "weakref.WeakKeyDictionary[Any, Batcher]" = weakref.WeakKeyDictionary()
_batchers_lock = threading.Lock()


def row_choices(lm, prompt_ids: list[int], cfg, eos: list[int], should_stop) -> Iterator:
    """A new row of ``lm``'s batch: its queue's items (a Choice per token, then STOPPED or NO_TOKEN_LEFT
    when it ends without one, or an exception) until the row has its ``cfg.max_new_tokens`` tokens or
    its end; closing the iterator takes the row out of the batch."""
    row = Row(lm, prompt_ids, cfg, eos, should_stop)
    batcher(lm).submit(row)
    made = 0
    try:
        while made < cfg.max_new_tokens:
            choice = row.choices.get()
            yield choice
            if not isinstance(choice, Choice) or choice.token in row.eos:
                return
            made += 1
    finally:
        row.cancel()


def batcher(lm) -> Batcher:
    """The batcher of ``lm``'s model (a core.lm.CausalLM)."""
    key = getattr(lm, "model", lm)
    with _batchers_lock:
        found = _batchers.get(key)
        if found is None:
            found = _batchers[key] = Batcher()
        return found
