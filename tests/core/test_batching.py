"""core.batching: requests on one model decode together, and each gets the text it gets alone.

The batch runs in a thread of its own; to know who was in which step, these tests wrap the model's
step in a gate that records every call (how many rows, padded or not) and lets the batch step
only as far as the test allows, so that joins happen at a known step."""

import threading

import pytest
import torch

from core import config
from core.batching import pad_left, batcher
from core.corpus import CharVocab
from core.generate import GenerateConfig, Generation
from core.lm import resolve, text_model
from core.pretrain import LMRegistry
from core.tinygpt import GPTConfig, TinyGPT
from tests.conftest import until

PROMPTS = ["Deep learning models", "The quick brown fox jumps over the lazy", "A", "Gradient descent lowers the"]
TEXT = "深度学习 deep learning 机器学习 machine"


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


@pytest.fixture
def gpt2(tiny_gpt2_dir):
    return text_model(str(tiny_gpt2_dir))


@pytest.fixture
def tinygpt():
    """A session's TinyGPT (the Pretrain tab's kind), with a 32-character window."""
    registry = LMRegistry()
    vocab = CharVocab.from_text(TEXT)
    model = TinyGPT(GPTConfig(vocab_size=len(vocab), n_layer=2, n_head=2, n_embd=16, block_size=32),
                    torch.Generator().manual_seed(0)).eval()
    registry.add(model, vocab, "text", "trained on text")
    return resolve("tiny-1", registry=registry)


class Gate:
    """Stands in for a model's step: records each call's rows, tokens, and whether they were padded, and
    lets the batch through only as many calls as the test allowed (None: any number)."""

    def __init__(self, real, allowed=0):
        self.real, self.allowed, self.calls, self.blocked = real, allowed, [], 0
        self.cond = threading.Condition()

    def allow(self, calls=None):
        with self.cond:
            self.allowed = None if calls is None else self.allowed + calls
            self.cond.notify_all()

    def __call__(self, ids, cache=None, attentions=False, **padding):
        with self.cond:
            self.blocked += 1
            assert self.cond.wait_for(lambda: self.allowed is None or self.allowed > 0, timeout=60)
            self.blocked -= 1
            if self.allowed is not None:
                self.allowed -= 1
            self.calls.append((ids.shape[0], ids.shape[1], bool(padding)))
            self.cond.notify_all()
        return self.real(ids, cache, attentions, **padding)

    def rows(self) -> int:
        """Sequence-steps computed so far (a prompt read counts one)."""
        return sum(rows for rows, _, _ in self.calls)


def settings(model, prompt, **rules):
    return GenerateConfig(**{"prompt": prompt, "max_new_tokens": 24, "model": model.name,
                             "precision": model.precision, **rules})


def alone(model, cfg):
    generation = Generation(cfg, model)
    list(generation.tokens())
    return generation.result()


class Consumer(threading.Thread):
    """A user streaming one generation."""

    def __init__(self, generation):
        super().__init__(daemon=True)
        self.generation, self.records = generation, []

    def run(self):
        for record in self.generation.tokens():
            self.records.append(record)

    def result(self):
        self.join(60)
        assert not self.is_alive()
        return self.generation.result()


def together(model, monkeypatch, runs, first_alone_for=1):
    """The first run starts; the others (configs or Generations) join once the batch has made
    ``first_alone_for`` calls. Returns their results and the gate."""
    gate = Gate(model.lm.step, allowed=first_alone_for)
    monkeypatch.setattr(model.lm, "step", gate)
    users = [Consumer(run if isinstance(run, Generation) else Generation(run, model)) for run in runs]
    users[0].start()
    until(lambda: len(gate.calls) == first_alone_for and gate.blocked == 1)
    for user in users[1:]:
        user.start()
    until(lambda: batcher(model.lm).size()[1] == len(users) - 1)
    gate.allow()
    return [user.result() for user in users], gate


@pytest.mark.parametrize("which", ["gpt2", "tinygpt"])
def test_greedy_text_is_the_same_alone_and_beside_three_others(which, request, monkeypatch):
    model = request.getfixturevalue(which)
    # the TinyGPT's 32-token window fills: its rows go on re-reading their last 32 tokens
    n = 24 if which == "gpt2" else 40
    configs = [settings(model, prompt, max_new_tokens=n - 3 * i) for i, prompt in enumerate(PROMPTS)]
    expected = [alone(model, cfg).ids for cfg in configs]
    results, gate = together(model, monkeypatch, configs)
    assert [r.ids for r in results] == expected
    assert [len(r.steps) for r in results] == [n, n - 3, n - 6, n - 9]
    assert (4, 1, True) in gate.calls               # four rows of different lengths in one step


def test_seeded_sampling_gives_each_user_the_text_they_get_alone(gpt2, monkeypatch):
    rules = dict(strategy="sample", temperature=1.3, top_k=40, top_p=0.95, max_new_tokens=30)
    configs = [settings(gpt2, prompt, seed=seed, **rules) for prompt, seed in zip(PROMPTS, (7, 8, 7, 9))]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    results, gate = together(gpt2, monkeypatch, configs)
    assert [r.ids for r in results] == expected
    assert expected[0] != expected[2] and (4, 1, True) in gate.calls   # same seed, other prompt: other text


def test_a_request_joining_mid_run_gets_the_text_it_gets_alone(gpt2, monkeypatch):
    configs = [settings(gpt2, PROMPTS[0], max_new_tokens=40), settings(gpt2, PROMPTS[1], max_new_tokens=20)]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    results, gate = together(gpt2, monkeypatch, configs, first_alone_for=10)
    assert [r.ids for r in results] == expected
    assert gate.calls[1:10] == [(1, 1, False)] * 9 and (2, 1, True) in gate.calls


def test_prompts_of_one_length_that_arrive_together_are_read_in_one_pass(gpt2, monkeypatch):
    prompts = ["The quick brown fox jumps over the lazy", "Deep learning models", "Deep learning layers"]
    configs = [settings(gpt2, prompt) for prompt in prompts]
    lengths = [len(gpt2.codec.encode(p)) for p in prompts]
    assert lengths[1] == lengths[2] < lengths[0]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    results, gate = together(gpt2, monkeypatch, configs)
    assert [r.ids for r in results] == expected
    assert (2, lengths[1], False) in gate.calls     # both prompts at once, then three rows a step
    assert (3, 1, True) in gate.calls and len(gate.calls) == 2 + 24


def test_one_users_stop_ends_only_their_own_row(gpt2, monkeypatch):
    configs = [settings(gpt2, prompt, max_new_tokens=30) for prompt in PROMPTS]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    seen = []           # the second user presses Stop after their third token
    runs = [Generation(cfg, gpt2, should_stop=(lambda: len(seen) >= 3) if i == 1 else (lambda: False))
            for i, cfg in enumerate(configs)]
    runs[1].tokens = lambda real=runs[1].tokens: (seen.append(r) or r for r in real())
    results, _ = together(gpt2, monkeypatch, runs)
    assert results[1].stopped and results[1].ids == expected[1][:3]
    assert [r.ids for i, r in enumerate(results) if i != 1] == [e for i, e in enumerate(expected) if i != 1]
    assert not any(r.stopped for i, r in enumerate(results) if i != 1)


def test_a_closed_consumer_frees_its_row_for_a_waiting_request(gpt2, monkeypatch):
    """Gradio closes the generator of a client that went away: its row leaves at the next step, and
    the request that waited for room (the batch is full at two here) takes it."""
    monkeypatch.setattr(config, "GENERATE_MAX_BATCH", 2)
    configs = [settings(gpt2, PROMPTS[0], max_new_tokens=60), settings(gpt2, PROMPTS[1], max_new_tokens=30),
               settings(gpt2, PROMPTS[3], max_new_tokens=30)]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    gate = Gate(gpt2.lm.step, allowed=1)
    monkeypatch.setattr(gpt2.lm, "step", gate)
    leaving = Generation(configs[0], gpt2)
    tokens = leaving.tokens()
    first = next(tokens)                                # the prompt's read (one call) gives the first token
    until(lambda: gate.blocked == 1)                    # the next step has begun, without the others
    others = [Consumer(Generation(cfg, gpt2)) for cfg in configs[1:]]
    for user in others:
        user.start()
    until(lambda: batcher(gpt2.lm).size() == (1, 2))    # the batch holds one row; both others wait
    gate.allow(1)
    second = next(tokens)
    tokens.close()                                      # the client went away after two tokens
    gate.allow()
    results = [user.result() for user in others]
    assert [first.id, second.id] == expected[0][:2] and [r.ids for r in results] == expected[1:]
    assert max(rows for rows, _, _ in gate.calls) == 2  # never more rows than the limit
    assert gate.rows() == 2 + 30 + 30                   # the closed row computed nothing more
    until(lambda: batcher(gpt2.lm).size() == (0, 0))


def test_beam_search_still_runs_on_its_own(gpt2, monkeypatch):
    gate = Gate(gpt2.lm.step, allowed=None)
    monkeypatch.setattr(gpt2.lm, "step", gate)
    result = alone(gpt2, settings(gpt2, PROMPTS[0], strategy="beam", num_beams=2, max_new_tokens=8))
    assert len(result.steps) == 8 and gate.calls == []


@pytest.mark.parametrize("which", ["gpt2", "tinygpt"])
def test_a_left_padded_row_gets_the_scores_it_gets_alone(which, request):
    """The model's side of batching: with each token's own position and a mask over its padding, a
    short sequence beside a long one scores every next token as it does alone (up to rounding)."""
    lm = request.getfixturevalue(which).lm
    long, short = torch.arange(1, 8), torch.arange(3, 7)
    with torch.inference_mode():
        steps = [lm.step(seq.view(1, -1)) for seq in (long, short)]
        pad = len(long) - len(short)
        cache = [[torch.cat([a, pad_left(b, pad)]) for a, b in zip(la, lb)]
                 for la, lb in zip(steps[0].cache, steps[1].cache)]
        for t in range(3):
            ids = torch.tensor([[9 + t], [12 + t]])
            length = cache[0][0].shape[2]
            positions = torch.tensor([[length], [length - pad]])
            mask = torch.arange(length + 1)[None, :] >= torch.tensor([[0], [pad]])
            batched = lm.step(ids, cache, positions=positions, mask=mask)
            cache = [list(layer) for layer in batched.cache]
            steps = [lm.step(ids[i:i + 1], steps[i].cache) for i in range(2)]
            for i in range(2):
                assert torch.allclose(batched.logits[i], steps[i].logits[0], atol=1e-5, rtol=1e-5)


def test_a_model_that_cannot_batch_decodes_each_row_on_its_own(gpt2, monkeypatch):
    """An architecture core.gpt2 does not cover goes through transformers' forward and cache, a row at a
    time in the same steps, with the text each request gets alone."""
    monkeypatch.setattr(gpt2.lm, "gpt2", False)
    monkeypatch.setattr(gpt2.lm, "batchable", False)
    configs = [settings(gpt2, prompt, max_new_tokens=12) for prompt in PROMPTS[:3]]
    expected = [alone(gpt2, cfg).ids for cfg in configs]
    results, gate = together(gpt2, monkeypatch, configs)
    assert [r.ids for r in results] == expected
    assert all(rows == 1 and not padded for rows, _, padded in gate.calls)


def test_a_failed_step_reaches_every_user_and_the_next_request_decodes(gpt2, monkeypatch):
    real = gpt2.lm.step

    def failing(ids, cache=None, attentions=False, **padding):
        if ids.shape == (2, 1):             # the first step with both rows
            raise RuntimeError("the step failed")
        return real(ids, cache, attentions, **padding)

    gate = Gate(failing, allowed=1)
    monkeypatch.setattr(gpt2.lm, "step", gate)
    users = [Consumer(Generation(settings(gpt2, prompt, max_new_tokens=30), gpt2)) for prompt in PROMPTS[:2]]
    errors = []
    for user in users:
        user.run = lambda run=user.run: _catching(run, errors)
    users[0].start()
    until(lambda: len(gate.calls) == 1 and gate.blocked == 1)
    users[1].start()
    until(lambda: batcher(gpt2.lm).size()[1] == 1)
    gate.allow()
    for user in users:
        user.join(60)
    assert [str(e) for e in errors] == ["the step failed"] * 2
    monkeypatch.setattr(gpt2.lm, "step", real)
    assert len(alone(gpt2, settings(gpt2, PROMPTS[0], max_new_tokens=5)).steps) == 5


def _catching(run, errors):
    try:
        run()
    except RuntimeError as error:
        errors.append(error)
