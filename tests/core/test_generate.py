"""core.generate: the decode loop, on tiny GPT-2s built on the fly and loaded through the real loader."""

import threading

import pytest
import torch

from core import models
from core.generate import GenerateConfig, Generation, side_by_side
from core.lm import TextStream, text_model


pytestmark = pytest.mark.usefixtures("fresh_model_cache")


@pytest.fixture
def english(tiny_gpt2_dir):
    return text_model(str(tiny_gpt2_dir))


@pytest.fixture
def chinese(tiny_chinese_gpt2_dir):
    return text_model(str(tiny_chinese_gpt2_dir))


def run(model, **settings):
    cfg = GenerateConfig(**{"prompt": "Deep learning models", "max_new_tokens": 20, "model": model.name,
                            "precision": model.precision, **settings})
    generation = Generation(cfg, model)
    records = list(generation.tokens())
    return generation, records, generation.result()


def hf_greedy(model, prompt_ids, n, **rules):
    ids = torch.tensor([prompt_ids])
    out = model.lm.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=n,
                                  eos_token_id=model.codec.eos, pad_token_id=model.codec.pad, **rules)
    return out[0, len(prompt_ids):].tolist()


def test_streams_one_record_per_token_and_the_pieces_make_the_text(english):
    generation, records, result = run(english, max_new_tokens=24)
    assert len(records) == 24 and [r.index for r in records] == list(range(24))
    assert [r.elapsed_s for r in records] == sorted(r.elapsed_s for r in records)
    streamed = "".join(r.text for r in records)
    assert result.text.startswith(streamed) and result.ids == [r.id for r in records]
    summary = result.summary()
    assert summary["new_tokens"] == 24 and summary["text"] == result.text
    assert summary["ttft_s"] > 0 and summary["tokens_per_s"] > 0 and summary["precision"] == "fp32"
    step = summary["steps"][3]
    assert step["id"] == records[3].id and len(step["top"]) == 5
    assert step["top"][0]["prob"] >= step["top"][-1]["prob"] and 1 <= step["rank"]


@pytest.mark.parametrize("rules", [{}, {"repetition_penalty": 1.4, "no_repeat_ngram_size": 2}])
@pytest.mark.parametrize("which", ["english", "chinese"])
def test_greedy_equals_transformers_generate(which, rules, request):
    model = request.getfixturevalue(which)
    generation, _, result = run(model, prompt="深度学习 the model", max_new_tokens=30, **rules)
    assert result.ids == hf_greedy(model, generation.prompt_ids, 30, **rules)


def test_seeded_sampling_reproduces_and_seeds_differ(english):
    settings = dict(strategy="sample", temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=30)
    first = run(english, seed=7, **settings)[2].ids
    assert run(english, seed=7, **settings)[2].ids == first
    assert run(english, seed=8, **settings)[2].ids != first


def test_sampling_is_reproducible_while_other_threads_sample_too(english):
    settings = dict(strategy="sample", temperature=1.2, top_k=40, top_p=0.9, max_new_tokens=25, seed=3)
    alone = run(english, **settings)[2].ids
    got = []

    def worker(seed):
        got.append((seed, run(english, **{**settings, "seed": seed})[2].ids))

    threads = [threading.Thread(target=worker, args=(s,)) for s in (3, 4, 3, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [ids for seed, ids in got if seed == 3] == [alone, alone]


def test_top_k_one_is_greedy_and_cut_tokens_are_never_drawn(english):
    greedy = run(english, max_new_tokens=15)[2].ids
    assert run(english, strategy="sample", top_k=1, seed=11, max_new_tokens=15)[2].ids == greedy
    _, records, _ = run(english, strategy="sample", top_k=3, top_p=1.0, temperature=2.0, max_new_tokens=15)
    for r in records:
        assert r.rank <= 3
        kept = [c for c in r.candidates if c.kept]
        assert len(kept) == 3 and abs(sum(c.renormalized for c in kept) - 1) < 1e-5
        assert all(c.renormalized == 0 for c in r.candidates if not c.kept)


def test_stop_ends_within_one_token_and_keeps_the_text(english):
    cfg = GenerateConfig(prompt="Deep learning", max_new_tokens=50, model=english.name)
    seen = []
    generation = Generation(cfg, english, should_stop=lambda: len(seen) >= 5)
    for record in generation.tokens():
        seen.append(record)
    result = generation.result()
    assert len(seen) == 5 and result.stopped and result.ids == [r.id for r in seen]
    assert result.summary()["stopped"] is True


def test_beam_search_describes_the_sequence_it_chose(english):
    generation, records, result = run(english, strategy="beam", num_beams=3, max_new_tokens=12)
    ids = torch.tensor([generation.prompt_ids])
    expected = english.lm.model.generate(ids, attention_mask=torch.ones_like(ids), num_beams=3, do_sample=False,
                                         max_new_tokens=12, early_stopping=True, eos_token_id=english.codec.eos,
                                         pad_token_id=english.codec.pad)[0, ids.shape[1]:].tolist()
    assert result.ids == expected and len(records) == len(expected)
    assert all(abs(r.prob - next(c.prob for c in r.candidates if c.id == r.id)) < 1e-6
               for r in records if r.rank <= len(r.candidates))


def test_the_chinese_model_reads_one_token_per_character_after_cls_and_writes_no_spaces(chinese):
    codec = chinese.codec
    assert codec.family == "char"
    ids = codec.encode("深度学习")
    assert ids[0] == codec.tokenizer.cls_token_id and len(ids) == 5
    assert codec.eos == [codec.tokenizer.sep_token_id]          # not the config's 50256
    assert codec.decode(ids) == "深度学习"
    assert codec.decode(codec.encode("你好，世界 hello gpts")) == "你好，世界hello gpts"
    assert [codec.piece(i) for i in codec.continue_with("gpts")] == ["gp", "##t", "##s"]


def test_the_chinese_model_stops_at_sep(chinese, monkeypatch):
    sep = chinese.codec.eos[0]
    real = chinese.lm.step
    calls = []

    def step(ids, cache=None, attentions=False):
        out = real(ids, cache, attentions)
        calls.append(1)
        if len(calls) == 4:                 # the fourth step makes [SEP] by far the most likely
            out.logits[0, sep] = 1e4
        return out

    monkeypatch.setattr(chinese.lm, "step", step)
    _, records, result = run(chinese, prompt="深度学习", max_new_tokens=30)
    assert len(records) == 4 and records[-1].end and records[-1].id == sep
    assert "[SEP]" not in result.text and records[-1].text == ""


def test_gpt2_splits_a_chinese_character_into_byte_tokens_and_streams_whole_characters(english):
    codec = english.codec
    ids = codec.continue_with("深度")
    assert len(ids) > 2                                         # more tokens than characters
    pieces = [codec.piece(i) for i in ids]
    assert any(p.startswith("<") and p.endswith(">") for p in pieces)   # a byte, not a character
    stream = TextStream(codec)
    released = [stream.add(i) for i in ids]
    assert "".join(released) == "深度" and all("\ufffd" not in r for r in released)
    assert released[0] == ""                                     # the first byte completes nothing


def test_a_prompt_longer_than_the_context_keeps_its_most_recent_tokens(english):
    long = "Deep learning models learn features from data. " * 40
    generation, _, result = run(english, prompt=long, max_new_tokens=28)
    context = english.lm.context
    assert len(generation.prompt_ids) == context - 28
    assert generation.prompt_ids == english.codec.encode(long)[-(context - 28):]
    assert result.summary()["notes"] == [{"note": "prompt_truncated", "tokens": len(english.codec.encode(long)),
                                          "kept": context - 28}]


def test_side_by_side_streams_every_strategy_in_turn(english):
    runs = [Generation(GenerateConfig(prompt="Deep learning", max_new_tokens=n, strategy=s, model=english.name), english)
            for s, n in (("greedy", 6), ("sample", 4))]
    order = [i for i, _ in side_by_side(runs)]
    assert order == [0, 1, 0, 1, 0, 1, 0, 1, 0, 0]
    assert runs[0].result().ids == run(english, prompt="Deep learning", max_new_tokens=6)[2].ids


def test_int8_generates_through_the_same_loop(tiny_gpt2_dir):
    model = text_model(str(tiny_gpt2_dir), "int8")
    _, records, result = run(model, max_new_tokens=8)
    assert len(records) == 8 and result.summary()["precision"] == "int8" and result.summary()["device"] == "cpu"


@pytest.mark.parametrize("strategy", ["greedy", "beam"])
def test_a_paused_generation_leaves_autograd_on_in_every_thread(english, strategy):
    """Gradio resumes a generator on any free worker thread, and the next handler on that thread
    may train a model: between tokens, no thread may be left in inference mode."""
    tokens = Generation(GenerateConfig(prompt="Deep learning", max_new_tokens=6, strategy=strategy,
                                       num_beams=2, model=english.name), english).tokens()
    next(tokens)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    seen = []
    worker = threading.Thread(target=lambda: seen.append((next(tokens), torch.is_grad_enabled(),
                                                           torch.is_inference_mode_enabled())))
    worker.start()
    worker.join()
    assert seen and seen[0][1] and not seen[0][2]
    assert torch.is_grad_enabled() and len(list(tokens)) == 4


def test_stop_also_ends_beam_search_early(english):
    cfg = GenerateConfig(prompt="Deep learning", max_new_tokens=40, strategy="beam", num_beams=3, model=english.name)
    calls = []
    generation = Generation(cfg, english, should_stop=lambda: calls.append(1) or len(calls) > 5)
    records = list(generation.tokens())
    result = generation.result()
    assert result.stopped and 0 < len(records) < 40


def test_a_run_ends_with_a_note_when_the_rules_forbid_every_token(chinese):
    import copy
    import dataclasses

    codec = copy.copy(chinese.codec)
    codec.eos = []                          # no end-of-text token: only the rules can end this run
    model = dataclasses.replace(chinese, codec=codec)
    vocabulary = model.lm.vocab_size
    generation, records, result = run(model, prompt="深度学习", max_new_tokens=vocabulary + 20,
                                      no_repeat_ngram_size=1, strategy="sample")
    used = set(generation.prompt_ids) | {r.id for r in records}
    assert len(used) == vocabulary == len(records) + len(set(generation.prompt_ids))    # every token, once
    assert result.summary()["notes"] == [{"note": "no_token_left"}] and not result.stopped


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: checks that sampling on one works")
def test_sampling_on_a_cuda_model_gives_the_cpu_text(tiny_gpt2_dir, monkeypatch):
    settings = dict(strategy="sample", seed=4, temperature=1.2, max_new_tokens=20)
    monkeypatch.setenv("DLLAB_DEVICE", "cpu")
    on_cpu = run(text_model(str(tiny_gpt2_dir)), **settings)[2].ids
    models.clear_cache()
    monkeypatch.setenv("DLLAB_DEVICE", "cuda")
    model = text_model(str(tiny_gpt2_dir))
    assert model.device.startswith("cuda")
    assert run(model, **settings)[2].ids == on_cpu
