"""core.tinygpt: the tiny GPT itself, its cache and attentions, and the Generate tab's decode loop over it."""

import itertools
import time

import pytest
import torch

from core.corpus import (CharCodec, CharVocab, arithmetic_codec, arithmetic_problems, arithmetic_text,
                         arithmetic_vocab, batches, exact_match, loss_floor)
from core.errors import InvalidInput, ResourceLimit
from core.generate import GenerateConfig, Generation
from core.lm import TextModel
from core.tinygpt import GPTConfig, TinyCausalLM, TinyGPT


def tiny(vocab_size=15, seed=0, **sizes) -> TinyGPT:
    cfg = GPTConfig(**{"vocab_size": vocab_size, "n_layer": 2, "n_head": 2, "n_embd": 16, "block_size": 24,
                       "dropout": 0.0, **sizes})
    return TinyGPT(cfg, torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 1))


def test_changing_a_later_token_never_changes_an_earlier_logit():
    model = tiny().eval()
    ids = torch.randint(15, (1, 24), generator=torch.Generator().manual_seed(3))
    before = model(ids)[0]
    for t in (0, 5, 23):
        changed = ids.clone()
        changed[0, t:] = (changed[0, t:] + 1) % 15
        after = model(changed)[0]
        assert torch.equal(after[0, :t], before[0, :t])         # the past does not see the future, at all
        assert not torch.allclose(after[0, t], before[0, t])    # and the changed token itself is read


def test_the_output_head_is_the_token_embedding():
    model = tiny()
    assert model.head.weight is model.wte.weight
    embedding = 15 * 16
    assert model.parameters_count() == sum(p.numel() for p in model.parameters())
    assert model.parameters_count() == sum(p.numel() for p in model.state_dict().values()) - embedding
    ids = torch.tensor([[1, 2, 3]])
    _, loss = model(ids, torch.tensor([[2, 3, 4]]))
    loss.backward()
    assert model.wte.weight.grad[4].abs().sum() > 0             # a token only ever written still gets a gradient


def test_same_seeds_same_model_same_training_and_dropout_draws_from_its_own_generator():
    def train(seed):
        model = tiny(seed=seed, dropout=0.2).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
        ids = torch.randint(15, (400,), generator=torch.Generator().manual_seed(0))
        losses = []
        for _, (x, y) in zip(range(5), batches(ids, 24, 4, torch.Generator().manual_seed(seed))):
            _, loss = model(x, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    torch.manual_seed(1)
    first = train(0)
    torch.manual_seed(2)                                        # the global RNG plays no part
    assert train(0) == first
    assert train(7) != first
    assert torch.equal(tiny(seed=4).wte.weight, tiny(seed=4).wte.weight)


def test_the_cached_step_gives_the_logits_of_a_full_forward_and_attentions_that_sum_to_one():
    lm = TinyCausalLM(tiny())
    assert (lm.vocab_size, lm.context, lm.n_layer, lm.n_head) == (15, 24, 2, 2)
    ids = torch.randint(15, (3, 20), generator=torch.Generator().manual_seed(5))
    full = lm.all_logits(ids)
    assert full.shape == (3, 20, 15)
    step = lm.step(ids[:, :8], attentions=True)
    assert [a.shape for a in step.attentions] == [(3, 2, 8, 8)] * 2
    torch.testing.assert_close(step.logits, full[:, 7])
    for t in range(8, 20):
        step = lm.step(ids[:, t:t + 1], step.cache, attentions=t == 19)
        torch.testing.assert_close(step.logits, full[:, t], atol=1e-5, rtol=1e-5)
    assert step.logits.dtype == torch.float32 and lm.step(ids[:, :2]).attentions is None
    for weights in step.attentions:
        assert weights.shape == (3, 2, 1, 20)
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 2, 1))
    first = lm.step(ids[:, :6], attentions=True).attentions[0]
    assert torch.all(first[..., 1:].triu(1) == 0) and torch.all(first[..., :, 0] > 0)


def test_reading_past_the_context_is_refused_with_a_message():
    lm = TinyCausalLM(tiny(block_size=8))
    with pytest.raises(ResourceLimit, match="at most 8 tokens at once") as err:
        lm.step(torch.zeros(1, 9, dtype=torch.long))
    assert err.value.key == "pretrain_context_exceeded"
    step = lm.step(torch.zeros(1, 8, dtype=torch.long))
    with pytest.raises(ResourceLimit, match="needs 9"):
        lm.step(torch.zeros(1, 1, dtype=torch.long), step.cache)


def test_config_round_trip_and_bad_configs():
    cfg = GPTConfig(vocab_size=15, n_layer=2, n_head=4, n_embd=64, block_size=30, dropout=0.1)
    assert GPTConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(InvalidInput, match=r"width \(30\) must be a multiple of the number of attention heads \(4\)"):
        GPTConfig(vocab_size=15, n_head=4, n_embd=30)
    for bad in [None, {**cfg.to_dict(), "extra": 1}, {**cfg.to_dict(), "n_layer": 2.5},
                {**cfg.to_dict(), "n_head": True}, {**cfg.to_dict(), "dropout": 1}, {"vocab_size": 15}]:
        with pytest.raises(InvalidInput, match="not a DL Lab model config"):
            GPTConfig.from_dict(bad)


def text_model(model: TinyGPT, codec: CharCodec) -> TextModel:
    return TextModel(TinyCausalLM(model), codec, "trained here: test", "this session", "cpu", "fp32")


@pytest.mark.parametrize("strategy", ["greedy", "sample", "beam"])
def test_the_generate_tabs_decode_loop_streams_from_it(strategy):
    vocab = CharVocab.from_text("abcdefgh 你好")
    loaded = text_model(tiny(vocab_size=len(vocab)), CharCodec(vocab))
    cfg = GenerateConfig(prompt="abc 你好", max_new_tokens=10, strategy=strategy, num_beams=3, seed=1)
    generation = Generation(cfg, loaded)
    records = list(generation.tokens())
    result = generation.result()
    assert len(records) == 10 and result.text == "".join(r.text for r in records)
    assert all(r.text == vocab.decode([r.id]) and len(r.text) == 1 for r in records)   # a character, at once
    assert result.prompt_ids == tuple(vocab.encode("abc 你好"))
    again = Generation(cfg, loaded)
    assert [r.id for r in again.tokens()] == result.ids


def test_a_long_prompt_is_cut_to_fit_the_context_and_the_newline_ends_an_arithmetic_answer():
    vocab = arithmetic_vocab()
    loaded = text_model(tiny(block_size=12), CharCodec(vocab))
    generation = Generation(GenerateConfig(prompt="1+2=3\n" * 5, max_new_tokens=4), loaded)
    assert len(generation.prompt_ids) == 8 and generation.notes[0]["note"] == "prompt_truncated"
    assert len(list(generation.tokens())) == 4
    model = loaded.lm.model
    with torch.no_grad():                                   # make the newline the likeliest token, always
        model.ln_f.weight.zero_()
        model.ln_f.bias.zero_()
        model.ln_f.bias[0] = 1.0                            # every position's last vector: (1, 0, 0, ...)
        model.head.weight[:, 0] = 0.0
        model.head.weight[vocab.encode("\n")[0], 0] = 10.0
    arithmetic = text_model(model, arithmetic_codec())
    for strategy in ("greedy", "beam"):
        generation = Generation(GenerateConfig(prompt="12+34=", max_new_tokens=4, strategy=strategy), arithmetic)
        records = list(generation.tokens())
        assert generation.prompt_ids == vocab.encode("\n12+34=")          # read after a newline
        assert len(records) == 1 and records[0].end and generation.result().text == ""


def test_beam_search_is_greedy_with_one_beam_and_exhaustive_with_enough():
    lm = TinyCausalLM(tiny(vocab_size=6, seed=2))
    prompt = [1, 2, 3]
    greedy, ids = [], torch.tensor([prompt])
    for _ in range(5):
        token = int(lm.all_logits(ids)[0, -1].argmax())
        greedy.append(token)
        ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
    assert lm.beam_search(prompt, 1, 5, 1.0, 0, [], 0) == greedy

    def total(pair):
        logp = torch.log_softmax(lm.all_logits(torch.tensor([prompt + list(pair)]))[0], dim=-1)
        return float(logp[2, pair[0]] + logp[3, pair[1]])

    best = max(itertools.product(range(6), repeat=2), key=total)
    assert lm.beam_search(prompt, 6, 2, 1.0, 0, [], 0) == list(best)
    no_repeats = lm.beam_search(prompt, 3, 3, 1.0, 1, [], 0)
    assert sorted(no_repeats) == [0, 4, 5]                  # no-repeat 1: the three tokens the prompt lacks


def test_generate_writes_the_likeliest_tokens_and_keeps_training_mode():
    model = tiny(dropout=0.5).train()
    out = model.generate(torch.tensor([[1, 2]]), 4)
    assert out.shape == (1, 6) and model.training
    assert torch.equal(out, model.generate(torch.tensor([[1, 2]]), 4))     # no dropout while writing
    drawn = [model.generate(torch.tensor([[1, 2]]), 4, 1.0, torch.Generator().manual_seed(s)) for s in (0, 0)]
    assert torch.equal(*drawn)


def test_a_tiny_model_learns_one_digit_addition_in_seconds():
    vocab = arithmetic_vocab()
    problems = arithmetic_problems(1, "+", 100, seed=0)
    ids = torch.tensor(vocab.encode(arithmetic_text(problems)))
    model = TinyGPT(GPTConfig(len(vocab), n_layer=2, n_head=4, n_embd=32, block_size=14),
                    torch.Generator().manual_seed(0))
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
    start = time.perf_counter()
    for _, (x, y) in zip(range(600), batches(ids, 14, 64, torch.Generator().manual_seed(0), line_length=7)):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        mean_loss = float(model.eval()(*next(batches(ids, 14, 512, torch.Generator(), line_length=7)))[1])
    right = exact_match(model, problems, vocab)
    assert mean_loss < loss_floor(1, "+") + 0.05 and right >= 0.95, (mean_loss, right, seconds)
